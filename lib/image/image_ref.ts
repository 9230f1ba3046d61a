/**
 * Image references as users and bootc's bound-images files write them, and
 * nothing else: podman also takes transports and store specifications
 * (`containers-storage:[overlay@/path+/run]x`), which would let a payload's
 * files make root's podman open or create a store anywhere. Pure.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);

/** Whether `ref` is a name[:tag][@digest] reference (or an image ID), as the docker grammar has it. */
export function isImageReference(ref: string): boolean {
  return ref.length <= 512 && REFERENCE.test(ref);
}

/**
 * Whether `ref` names one image wherever it is read: a registry (a domain with
 * a dot or a port, or localhost) and a tag or a digest. Bound images must be
 * named so; a short name or an ID prefix could match any image on the host.
 */
export function isFullyQualified(ref: string): boolean {
  const m = REFERENCE.exec(ref);
  if (!m || ref.length > 512) return false;
  const [, domain, , tag, digest] = m;
  const registry = domain !== undefined &&
    (domain.includes(".") || domain.includes(":") || domain === "localhost");
  return registry && (tag !== undefined || digest !== undefined);
}
