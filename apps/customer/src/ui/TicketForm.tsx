/**
 * The ticket form. Checks every field before sending (required, email shape, the bridge's
 * length limits, with a live counter under Subject and Description), focuses the first field at
 * fault, and sends each submission with ONE Idempotency-Key that every retry reuses, so a double
 * click or a retry never makes two Cases. Name and email remembered in this browser come prefilled,
 * with a "Not you?" control that forgets them. A failed submission shows one alert with one
 * "Try again", naming an unreachable service apart from a busy one.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { TicketCreated } from '@sbsf/wire';
import { BridgeError, describeBridgeProblem, type BridgeClient, type BridgeProblemKind, type RetryNotice } from '../bridge-client.js';
import { keyFor, type SubmissionKey } from '../idempotency.js';
import {
  COUNTED_FIELDS,
  FIELD_LABELS,
  FIELD_ORDER,
  firstInvalid,
  formFieldFor,
  lengthCount,
  submissionFingerprint,
  toCaseFields,
  validateField,
  validateTicketForm,
  type FieldErrors,
  type FieldName,
  type TicketFormValues,
} from '../validation.js';

export interface RememberedProfile {
  name: string;
  email: string;
}

export interface TicketFormProps {
  bridge: BridgeClient;
  initial?: Partial<TicketFormValues>;
  /** Name and email remembered in this browser (they prefill the form). */
  remembered?: RememberedProfile;
  /** "Not you?": forget the remembered name and email. */
  onForget?: () => void;
  /** The form's alert shows a problem reaching the service (or no longer does), so the page shows no second one. */
  onProblemShown?: (kind: BridgeProblemKind | undefined) => void;
  /** The person pressed "Try again" (the page may retry its other calls too). */
  onTryAgain?: () => void;
  onCreated: (created: TicketCreated, values: TicketFormValues) => void;
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'sending'; notice?: RetryNotice }
  | { kind: 'error'; message: string; canRetry: boolean; problem: BridgeProblemKind };

/** The status line while a submission is retried. */
function retryStatus(notice: RetryNotice): string {
  switch (notice.problem) {
    case 'pending':
      return 'Finishing your ticket…';
    case 'unreachable':
      return 'The support service is not answering; trying again…';
    case 'busy':
      return 'The support service is busy; trying again…';
    default:
      return 'The support service had a problem; trying again…';
  }
}

const HINTS: Partial<Record<FieldName, string>> = {
  name: 'Shown to the agent who helps you.',
  email: 'We send updates about your ticket here.',
};

export function TicketForm({ bridge, initial, remembered, onForget, onProblemShown, onTryAgain, onCreated }: TicketFormProps) {
  const [values, setValues] = useState<TicketFormValues>({
    name: initial?.name ?? '',
    email: initial?.email ?? '',
    subject: initial?.subject ?? '',
    description: initial?.description ?? '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [touched, setTouched] = useState<Partial<Record<FieldName, boolean>>>({});
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const submission = useRef<SubmissionKey | undefined>(undefined);
  // A ref, not state: a second click in the same frame must see the first one.
  const inFlight = useRef(false);
  const fields = useRef<Partial<Record<FieldName, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const errorRef = useRef<HTMLDivElement>(null);
  const baseId = useId();

  const shownProblem = phase.kind === 'error' ? phase.problem : undefined;
  useEffect(() => {
    onProblemShown?.(shownProblem);
  }, [shownProblem, onProblemShown]);
  useEffect(() => () => onProblemShown?.(undefined), [onProblemShown]);

  const forget = (): void => {
    setValues((cur) => ({ ...cur, name: '', email: '' }));
    setErrors((cur) => ({ ...cur, name: undefined, email: undefined }));
    setTouched((cur) => ({ ...cur, name: false, email: false }));
    onForget?.();
    focusField('name');
  };

  const set = (f: FieldName, v: string): void => {
    setValues((cur) => ({ ...cur, [f]: v }));
    if (touched[f] || errors[f]) setErrors((cur) => ({ ...cur, [f]: validateField(f, v) }));
  };
  const blur = (f: FieldName): void => {
    setTouched((cur) => ({ ...cur, [f]: true }));
    setErrors((cur) => ({ ...cur, [f]: values[f].trim() || touched[f] ? validateField(f, values[f]) : undefined }));
  };

  const focusField = (f: FieldName): void => {
    // After React has rendered the message, so a screen reader reads it with the field.
    requestAnimationFrame(() => fields.current[f]?.focus());
  };

  const submit = async (e?: FormEvent): Promise<void> => {
    e?.preventDefault();
    if (inFlight.current) return;
    const found = validateTicketForm(values);
    setErrors(found);
    setTouched({ name: true, email: true, subject: true, description: true });
    const bad = firstInvalid(found);
    if (bad) {
      setPhase({ kind: 'idle' });
      focusField(bad);
      return;
    }
    inFlight.current = true;
    submission.current = keyFor(submission.current, submissionFingerprint(values));
    setPhase({ kind: 'sending' });
    try {
      const created = await bridge.createTicket(
        toCaseFields(values),
        { nickname: values.name.trim(), email: values.email.trim() },
        { idempotencyKey: submission.current.key, onRetry: (notice) => setPhase({ kind: 'sending', notice }) },
      );
      submission.current = undefined;
      setPhase({ kind: 'idle' });
      onCreated(created, values);
    } catch (err) {
      const field = err instanceof BridgeError ? formFieldFor(err.field) : undefined;
      if (field && err instanceof BridgeError) {
        setErrors((cur) => ({ ...cur, [field]: err.message }));
        setPhase({ kind: 'idle' });
        focusField(field);
      } else {
        const problem = describeBridgeProblem(err);
        setPhase({ kind: 'error', message: problem.message, canRetry: problem.retryable, problem: problem.kind });
        requestAnimationFrame(() => errorRef.current?.focus());
      }
    } finally {
      inFlight.current = false;
    }
  };

  const sending = phase.kind === 'sending';
  const notice = phase.kind === 'sending' ? phase.notice : undefined;

  return (
    <form className="ticket-form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby={`${baseId}-title`} aria-busy={sending}>
      <h2 id={`${baseId}-title`}>Open a support ticket</h2>
      <p className="muted">Tell us what is going on. An agent will answer in the chat that opens next.</p>
      {remembered && (
        <p className="remembered">
          <span>Remembered in this browser: {[remembered.name, remembered.email].filter(Boolean).join(', ')}.</span>{' '}
          <button type="button" className="link-button" onClick={forget} disabled={sending}>
            Not you? Forget these details
          </button>
        </p>
      )}
      {FIELD_ORDER.map((f) => {
        const id = `${baseId}-${f}`;
        const err = errors[f];
        const count = COUNTED_FIELDS.has(f) ? lengthCount(f, values[f]) : undefined;
        const describedBy = [HINTS[f] ? `${id}-hint` : '', err ? `${id}-error` : '', count ? `${id}-count` : ''].filter(Boolean).join(' ');
        const common = {
          id,
          name: f,
          value: values[f],
          'aria-invalid': err ? true : undefined,
          'aria-describedby': describedBy || undefined,
          'aria-required': true,
          disabled: sending,
          onBlur: () => blur(f),
        } as const;
        return (
          <div className="field" key={f} data-invalid={err ? 'true' : undefined}>
            <label htmlFor={id}>{FIELD_LABELS[f]}</label>
            {HINTS[f] && (
              <span id={`${id}-hint`} className="hint">
                {HINTS[f]}
              </span>
            )}
            {f === 'description' ? (
              <textarea {...common} rows={6} ref={(el) => void (fields.current[f] = el)} onChange={(e) => set(f, e.target.value)} />
            ) : (
              <input
                {...common}
                type={f === 'email' ? 'email' : 'text'}
                autoComplete={f === 'name' ? 'name' : f === 'email' ? 'email' : 'off'}
                ref={(el) => void (fields.current[f] = el)}
                onChange={(e) => set(f, e.target.value)}
              />
            )}
            {count && (
              <span id={`${id}-count`} className="hint count" data-over={count.over ? 'true' : undefined}>
                {count.text}
              </span>
            )}
            {err && (
              <span id={`${id}-error`} className="field-error">
                {err}
              </span>
            )}
          </div>
        );
      })}
      {phase.kind === 'error' && (
        <div className="alert" role="alert" tabIndex={-1} ref={errorRef}>
          <p>{phase.message}</p>
          {phase.canRetry && (
            <button
              type="button"
              className="button"
              onClick={() => {
                onTryAgain?.();
                void submit();
              }}
            >
              Try again
            </button>
          )}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="button primary" disabled={sending}>
          {sending ? 'Sending…' : 'Start chat'}
        </button>
        <span role="status" aria-live="polite" className="muted">
          {sending && !notice && 'Creating your ticket…'}
          {notice && retryStatus(notice)}
        </span>
      </div>
    </form>
  );
}
