'use client';
// Copies a fix file to the clipboard. Where the Clipboard API is missing or refused (plain http on another host, a
// denied permission), it selects the text in the <pre> it belongs to and tries the older copy command; failing that,
// the text stays selected and the button says to press Ctrl+C.
import { useEffect, useRef, useState } from 'react';
import styles from './findings.module.css';

type State = 'idle' | 'copied' | 'selected';

export function CopyButton({ text, targetId, label = 'Copy' }: { text: string; targetId: string; label?: string }) {
  const [state, setState] = useState<State>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const show = (next: State) => {
    setState(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), next === 'copied' ? 2000 : 6000);
  };

  const selectTarget = (): boolean => {
    const el = document.getElementById(targetId);
    const selection = window.getSelection();
    if (!el || !selection) return false;
    selection.removeAllRanges();
    selection.selectAllChildren(el);
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  };

  const copy = async () => {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no Clipboard API');
      await navigator.clipboard.writeText(text);
      show('copied');
    } catch {
      show(selectTarget() ? 'copied' : 'selected');
    }
  };

  return (
    <span className={styles.copy}>
      <button type="button" className={state === 'copied' ? styles.copied : undefined} onClick={copy} aria-describedby={`${targetId}-status`}>
        {state === 'copied' ? 'Copied' : label}
      </button>
      <span id={`${targetId}-status`} role="status" aria-live="polite" className={state === 'selected' ? styles.copyStatus : styles.srOnly}>
        {state === 'copied' ? 'Copied to the clipboard' : state === 'selected' ? 'Text selected: press Ctrl+C (⌘C on a Mac)' : ''}
      </span>
    </span>
  );
}
