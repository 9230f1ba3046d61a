/**
 * The build's one point in time (reproducible-builds.org's SOURCE_DATE_EPOCH):
 * every timestamp, volume id and serial the tools write comes from it, so the
 * same image gives the same ISO. Taken from SOURCE_DATE_EPOCH when set, else
 * the image's creation time, else (a --rootfs tree) the current time. Pure.
 */
import { InputError } from "../errors.ts";

/**
 * What every tool can store: FAT dates start in 1980 (mtools wraps earlier
 * ones), squashfs times are unsigned 32-bit seconds.
 */
export const EPOCH_RANGE = [315532800, 4294967295] as const;

export interface SourceDate {
  epoch: number;
  /** Where it came from, for the build's output. */
  from: string;
}

/** SOURCE_DATE_EPOCH's value as seconds, or undefined when unset; bad input when tools cannot take it. */
export function parseEpoch(env: string | undefined): number | undefined {
  // Set but empty counts as unset, as wrappers often export it so.
  if (env === undefined || env === "") return undefined;
  const epoch = /^\d{1,10}$/.test(env) ? Number(env) : NaN;
  if (!(epoch >= EPOCH_RANGE[0] && epoch <= EPOCH_RANGE[1])) {
    throw new InputError(
      `SOURCE_DATE_EPOCH=${JSON.stringify(env).slice(1, -1)}: not a time cniso can use`,
      `set it to seconds since 1970, from ${EPOCH_RANGE[0]} (1980) to ${
        EPOCH_RANGE[1]
      } (2106), e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`,
    );
  }
  return epoch;
}

/** The build's time: SOURCE_DATE_EPOCH (parsed), else the image's creation, else now. */
export function sourceDate(
  epoch: number | undefined,
  imageCreated: number | undefined,
  now: number,
): SourceDate {
  if (epoch !== undefined) return { epoch, from: "SOURCE_DATE_EPOCH" };
  if (imageCreated !== undefined && Number.isFinite(imageCreated)) {
    return { epoch: clamp(Math.floor(imageCreated)), from: "the image's creation time" };
  }
  return { epoch: clamp(Math.floor(now / 1000)), from: "the current time" };
}

function clamp(seconds: number): number {
  return Math.min(Math.max(seconds, EPOCH_RANGE[0]), EPOCH_RANGE[1]);
}

/** The FAT volume serial made from the epoch: 8 hex digits. */
export function fatSerial(epoch: number): string {
  return (epoch >>> 0).toString(16).padStart(8, "0");
}

/** Environment for the tools that read the time from it (mksquashfs, mtools, xorriso). */
export function epochEnv(epoch: number): Record<string, string> {
  // FAT stores local time: UTC makes the FAT image the same in every time zone.
  return { SOURCE_DATE_EPOCH: `${epoch}`, TZ: "UTC" };
}
