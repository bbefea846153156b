/** The element with this id, or a clear error naming it (the page's markup and code disagree). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no element #${id}`);
  return element as T;
}

/**
 * Lets the browser (or a worker's message queue) run before the next piece of work: a new task
 * through a MessageChannel, which unlike `setTimeout(0)` is not clamped to 4 ms once nested.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

/** The message to show for anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shows `message` in `box` (beside the control that was used), with the raw detail on request. */
export function showError(box: HTMLElement, message: string, detail?: string): void {
  const text = document.createElement("p");
  text.textContent = message;
  box.replaceChildren(text);
  if (detail !== undefined && detail !== message) {
    const more = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "Details";
    const code = document.createElement("code");
    code.textContent = detail;
    more.append(summary, code);
    box.append(more);
  }
  box.hidden = false;
}

export function hideError(box: HTMLElement): void {
  box.hidden = true;
  box.replaceChildren();
}
