/** One tool step of the plan, with the time bound the small ones get. */
import type { ToolName } from "../tools.ts";
import type { Step } from "./plan.ts";

/** The bound on steps that make small images (grub-mkimage, mkfs.fat, mtools): seconds each. */
export const SMALL_STEP_SECS = 120;

export function tool(title: string, name: ToolName, args: string[]): Step {
  // These read the image's small files (grub-mkimage its modules): a hang must not hang the build.
  const small = ["grub-mkimage", "mkfs.fat", "mmd", "mcopy"].includes(name);
  return small
    ? { title, tool: name, args, timeoutSecs: SMALL_STEP_SECS }
    : { title, tool: name, args };
}
