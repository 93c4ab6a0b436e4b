// Text that came from logs or configs (request ids, paths, user agents, cluster names) may carry terminal control
// sequences: printed raw they could retitle the window, clear the screen or hide lines. Every control character (C0,
// DEL, C1) is shown as an escape instead, so the line reads as what it holds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  });
}
