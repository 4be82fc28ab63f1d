/**
 * "The agent is looking at the panel": the container's document is visible and has the focus
 * (the agent clicked or typed in it). Structural types instead of DOM globals, so this runs in
 * tests on Node's EventTarget and type-checks without the DOM library.
 */
export interface AttentionDocument {
  readonly visibilityState: string;
  hasFocus(): boolean;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface AttentionWindow {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Calls `onChange` with the current state at once, then on every change; returns the stop. */
export function watchAttention(doc: AttentionDocument, win: AttentionWindow, onChange: (attending: boolean) => void): () => void {
  let last: boolean | undefined;
  const check = (): void => {
    const now = doc.visibilityState === 'visible' && doc.hasFocus();
    if (now === last) return;
    last = now;
    onChange(now);
  };
  // 'blur' fires before focus leaves the document, so hasFocus() may still say true then: check
  // again on the next turn.
  const checkSoon = (): void => {
    check();
    setTimeout(check, 0);
  };
  doc.addEventListener('visibilitychange', checkSoon);
  win.addEventListener('focus', checkSoon);
  win.addEventListener('blur', checkSoon);
  check();
  return () => {
    doc.removeEventListener('visibilitychange', checkSoon);
    win.removeEventListener('focus', checkSoon);
    win.removeEventListener('blur', checkSoon);
  };
}
