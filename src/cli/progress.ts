/**
 * A one-line progress display on a terminal: the step, its count (`layer 2/5`), what the step
 * reports (`iteration 350/750`) and the elapsed time, redrawn every second so a long step never
 * stands still. Writes nothing when the stream is not a TTY (a pipe, a CI log).
 */

/** A progress line; every method is a no-op off a terminal. */
export interface Progress {
  /** Starts a step (ends the previous one): `label`, shown with the elapsed time. */
  step(label: string): void;
  /** Sets the detail of the current step (e.g. `iteration 350/750`). */
  detail(text: string): void;
  /** Clears the line and stops the timer. */
  done(): void;
}

const NONE: Progress = { step: () => undefined, detail: () => undefined, done: () => undefined };

/** A {@link Progress} on `stream`, or a silent one when `stream` is not a TTY. */
export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, now: () => number = () => performance.now()): Progress {
  if (!stream.isTTY) return NONE;
  let label = '';
  let info = '';
  let started = now();
  let shown = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let drawnAt = -Infinity;
  const draw = () => {
    drawnAt = now();
    const secs = Math.floor((now() - started) / 1000);
    const line = `${label}${info ? `: ${info}` : ''}${secs >= 1 ? ` (${secs} s)` : ''}`;
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    const text = line.length > width ? `${line.slice(0, width - 1)}…` : line;
    stream.write(`\r${text.padEnd(shown)}`);
    shown = text.length;
  };
  return {
    step(l) {
      label = l;
      info = '';
      started = now();
      timer ??= setInterval(draw, 1000);
      timer.unref?.();
      draw();
    },
    detail(text) {
      info = text;
      if (now() - drawnAt >= 250) draw();
    },
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (shown > 0) stream.write(`\r${' '.repeat(shown)}\r`);
      shown = 0;
    },
  };
}
