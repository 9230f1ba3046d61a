/**
 * The image's GRUB BIOS modules, judged before grub-mkimage (run as root)
 * reads them: it opens `<dir>/<name>.mod` for every module that moddep.lst
 * says a needed module depends on, so a name with a path in it would make it
 * open host files (a FIFO there hangs it), and a dependency cycle crashes it.
 * Pure: takes moddep.lst's text and the names of the files present.
 */

/** Modules built into eltorito.img; the rest load from the ISO at boot. */
export const ELTORITO_MODULES = [
  "biosdisk",
  "iso9660",
  "part_gpt",
  "part_msdos",
  "normal",
  "configfile",
  "search",
  "search_label",
  "serial",
  "terminal",
];

/** Bounds on the directory: a real one has about 300 files and 3 MiB. */
export const BIOS_LIMITS = { files: 2000, bytes: 64 * 1024 * 1024, moddep: 256 * 1024 };

const MODULE_NAME = /^[A-Za-z0-9_.+-]+$/;

/** moddep.lst: `name: dep dep` per line. Returns the graph, or the first problem. */
export function parseModdep(text: string): Map<string, string[]> | { problem: string } {
  const graph = new Map<string, string[]>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon).trim();
    const deps = colon < 0 ? [] : line.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    for (const word of [name, ...deps]) {
      if (!MODULE_NAME.test(word) || word === "." || word === "..") {
        return {
          problem: `moddep.lst line ${i + 1} names the module ${
            JSON.stringify(word)
          }: a module name has no path in it`,
        };
      }
    }
    graph.set(name, deps);
  }
  return graph;
}

/**
 * The modules grub-mkimage will read for `wanted`, in dependency order; or the
 * first problem: a module that is not there, or a dependency cycle.
 */
export function moduleClosure(
  graph: Map<string, string[]>,
  present: Set<string>,
  wanted: string[] = ELTORITO_MODULES,
): string[] | { problem: string } {
  const done = new Set<string>();
  const order: string[] = [];
  const visiting: string[] = [];
  const visit = (name: string): string | undefined => {
    if (done.has(name)) return undefined;
    if (visiting.includes(name)) {
      return `moddep.lst has a dependency cycle: ${
        [...visiting.slice(visiting.indexOf(name)), name].join(" -> ")
      }`;
    }
    if (!present.has(`${name}.mod`)) {
      const by = visiting.at(-1);
      return `the module ${name}.mod${by ? ` (needed by ${by})` : ""} is not there`;
    }
    visiting.push(name);
    for (const dep of graph.get(name) ?? []) {
      const problem = visit(dep);
      if (problem) return problem;
    }
    visiting.pop();
    done.add(name);
    order.push(name);
    return undefined;
  };
  for (const name of wanted) {
    const problem = visit(name);
    if (problem) return { problem };
  }
  return order;
}
