/**
 * bootc's logically bound images: a payload names the images it needs at run
 * time in /usr/lib/bootc/bound-images.d/, one quadlet file (`*.image` or
 * `*.container`, usually a symlink into /usr/share/containers/systemd) per
 * image, whose `Image=` key is the reference. Pure: text in, references out.
 */

export const BOUND_IMAGES_DIR = "/usr/lib/bootc/bound-images.d";

/** The section that holds `Image=` in each kind of quadlet file bootc reads. */
const SECTIONS: Record<string, string> = { ".image": "Image", ".container": "Container" };

/** Whether bootc reads a file of this name in bound-images.d. */
export function isBoundImageFile(name: string): boolean {
  return Object.keys(SECTIONS).some((ext) => name.endsWith(ext) && name.length > ext.length);
}

/**
 * The image reference a quadlet file names: the last `Image=` in its
 * [Image] or [Container] section (as systemd, a later key wins), or undefined.
 */
export function boundImageRef(name: string, text: string): string | undefined {
  const ext = Object.keys(SECTIONS).find((e) => name.endsWith(e));
  if (!ext) return undefined;
  let section = "";
  let ref: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const m = /^Image\s*=\s*(.*)$/.exec(line);
    if (m && section === SECTIONS[ext]) ref = unquote(m[1].trim());
  }
  return ref || undefined;
}

function unquote(value: string): string {
  const m = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
  return m ? m[1] : value;
}
