/**
 * The text of one sample as it grows: finds stop strings (cutting the text before them) and tells
 * which part is final, holding back a tail that could still become a stop string.
 */
export class StopText {
  text = "";
  stoppedBy: string | undefined;
  private committed = 0;
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = longestStop(stops);
  }

  /** Appends a piece; returns true when that completed a stop string (the text is then cut). */
  append(piece: string): boolean {
    const from = Math.max(0, this.text.length - this.longest + 1);
    this.text += piece;
    const hit = findStop(this.text, from, this.stops);
    if (hit === undefined) return false;
    this.text = this.text.slice(0, hit.at);
    this.stoppedBy = hit.stop;
    return true;
  }

  /** The text that became final since the last call; everything when `final`. */
  take(final: boolean): string {
    const end = final ? this.text.length : this.text.length - this.heldBack();
    if (end <= this.committed) return "";
    const piece = this.text.slice(this.committed, end);
    this.committed = end;
    return piece;
  }

  /** Length of the longest tail of the text that is a proper prefix of a stop string. */
  private heldBack(): number {
    let held = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, this.text.length); k > held; k--) {
        if (this.text.endsWith(s.slice(0, k))) {
          held = k;
          break;
        }
      }
    }
    return held;
  }
}

/** The earliest stop string occurring in `text` at or after `from`. */
export function findStop(
  text: string,
  from: number,
  stops: readonly string[],
): { at: number; stop: string } | undefined {
  let hit: { at: number; stop: string } | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop, from);
    if (at >= 0 && (hit === undefined || at < hit.at)) hit = { at, stop };
  }
  return hit;
}

export function longestStop(stops: readonly string[]): number {
  let n = 0;
  for (const s of stops) n = Math.max(n, s.length);
  return n;
}
