/**
 * A button that runs one API action: in production it first asks for confirmation; while the
 * call runs it is disabled and says so; a failure is shown beside it with the server's message.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../lib/api.js';

export const isProduction = (environment: string): boolean => environment === 'production';

export interface ActionButtonProps {
  readonly label: ComponentChildren;
  readonly busyLabel: string;
  /** The environment the action changes: `production` asks for confirmation first. */
  readonly environment: string;
  /** What will happen, in words, for the confirmation. */
  readonly confirmText: string;
  readonly run: () => Promise<unknown>;
  readonly onDone?: (result: unknown) => void;
  readonly disabled?: boolean;
  readonly kind?: 'primary' | 'secondary' | 'danger';
  readonly testId?: string;
}

export function ActionButton(props: ActionButtonProps) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);

  const execute = async (): Promise<void> => {
    setAsking(false);
    setBusy(true);
    setError(undefined);
    try {
      const result = await props.run();
      props.onDone?.(result);
    } catch (failure) {
      if (mounted.current) setError(describeError(failure));
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  return (
    <span class="action">
      <button
        type="button"
        class={`button ${props.kind ?? 'secondary'}`}
        disabled={busy || props.disabled}
        data-testid={props.testId}
        data-action=""
        onClick={() => (isProduction(props.environment) ? setAsking(true) : void execute())}
      >
        {busy ? props.busyLabel : props.label}
      </button>
      {error && (
        <span class="action-error" role="alert">
          {error}
        </span>
      )}
      {asking && (
        <ConfirmDialog
          environment={props.environment}
          text={props.confirmText}
          onConfirm={() => void execute()}
          onCancel={() => setAsking(false)}
        />
      )}
    </span>
  );
}

function ConfirmDialog(props: { environment: string; text: string; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" onCancel={props.onCancel} aria-label={`confirm change in ${props.environment}`}>
      <p class="confirm-env">{props.environment}</p>
      <p>{props.text}</p>
      <div class="confirm-buttons">
        <button type="button" class="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="button danger" onClick={props.onConfirm}>
          Yes, change {props.environment}
        </button>
      </div>
    </dialog>
  );
}
