/**
 * The pane's CSS, shipped as a string and rendered in a <style> element by the pane, so the
 * package works in any host (Vite app, Lightning Container build) without a CSS loader. Every
 * class starts with `sbx-`; colours are custom properties a host may override.
 */
import { CSAT_CSS } from './CsatSurvey.js';

export const SANDBOX_CHAT_CSS = `
.sbx-root {
  --sbx-bg: #ffffff; --sbx-fg: #1f2328; --sbx-muted: #59636e; --sbx-border: #d1d9e0;
  --sbx-accent: #6210cc; --sbx-accent-fg: #ffffff; --sbx-other: #f0f2f5; --sbx-admin: #fff8c5;
  --sbx-admin-border: #d4a72c; --sbx-danger: #cf222e; --sbx-focus: #0969da;
  display: flex; flex-direction: column; min-height: 0; height: 100%; box-sizing: border-box;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--sbx-fg); background: var(--sbx-bg); border: 1px solid var(--sbx-border); border-radius: 8px;
  overflow: hidden;
}
.sbx-root *, .sbx-root *::before, .sbx-root *::after { box-sizing: border-box; }
.sbx-root :focus-visible { outline: 2px solid var(--sbx-focus); outline-offset: 2px; }
.sbx-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.sbx-banner { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; padding: 6px 12px; font-size: 12px;
  background: repeating-linear-gradient(135deg, #fff4d6, #fff4d6 10px, #ffeab0 10px, #ffeab0 20px); border-bottom: 1px solid var(--sbx-admin-border); }
.sbx-banner strong { letter-spacing: .02em; }
.sbx-status { margin-left: auto; display: inline-flex; align-items: center; gap: 6px; }
.sbx-dot { width: 8px; height: 8px; border-radius: 50%; background: #8c959f; }
.sbx-dot[data-state="open"] { background: #1a7f37; }
.sbx-dot[data-state="reconnecting"], .sbx-dot[data-state="connecting"] { background: #bf8700; }
.sbx-dot[data-state="session_expired"], .sbx-dot[data-state="failed"] { background: var(--sbx-danger); }
.sbx-body { display: flex; flex: 1; min-height: 0; }
.sbx-list { width: 280px; flex: none; border-right: 1px solid var(--sbx-border); overflow-y: auto; }
.sbx-list ul { list-style: none; margin: 0; padding: 0; }
.sbx-list-item { display: flex; gap: 8px; width: 100%; text-align: left; padding: 10px 12px; border: 0; border-bottom: 1px solid var(--sbx-border);
  background: none; color: inherit; font: inherit; cursor: pointer; }
.sbx-list-item:hover { background: var(--sbx-other); }
.sbx-list-item[aria-current="true"] { background: #ede4fb; }
.sbx-list-text { flex: 1; min-width: 0; }
.sbx-list-name { font-weight: 600; display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sbx-list-facts { display: flex; flex-wrap: wrap; gap: 2px 8px; font-size: 12px; color: var(--sbx-muted); }
.sbx-list-customer { color: var(--sbx-fg); }
.sbx-list-status { padding: 0 6px; border-radius: 8px; border: 1px solid var(--sbx-border); }
.sbx-list-status[data-closed="true"] { background: var(--sbx-other); }
.sbx-list-waiting { color: #7d4e00; font-weight: 600; }
.sbx-list-preview { color: var(--sbx-muted); display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 13px; }
.sbx-badge { align-self: center; min-width: 22px; padding: 1px 7px; border-radius: 11px; background: var(--sbx-accent); color: var(--sbx-accent-fg);
  font-size: 12px; font-weight: 700; text-align: center; }
.sbx-view { display: flex; flex-direction: column; flex: 1; min-width: 0; min-height: 0; position: relative; }
.sbx-header { display: flex; align-items: center; gap: 8px; padding: 10px 14px; border-bottom: 1px solid var(--sbx-border); }
.sbx-header-text { flex: 1; min-width: 0; }
.sbx-back { display: none; flex: none; align-items: center; gap: 4px; padding-left: 8px; }
.sbx-header h2 { margin: 0; font-size: 16px; }
.sbx-header p { margin: 2px 0 0; color: var(--sbx-muted); font-size: 12px; }
.sbx-log { flex: 1; min-height: 160px; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; }
.sbx-day { align-self: center; font-size: 12px; color: var(--sbx-muted); padding: 2px 10px; border-radius: 10px; background: var(--sbx-other); }
.sbx-admin { align-self: stretch; text-align: center; font-size: 13px; padding: 6px 10px; border: 1px dashed var(--sbx-admin-border);
  background: var(--sbx-admin); border-radius: 6px; }
.sbx-admin time { color: var(--sbx-muted); margin-left: 6px; font-size: 11px; }
.sbx-group { display: flex; flex-direction: column; gap: 3px; max-width: 78%; align-self: flex-start; }
.sbx-group[data-mine="true"] { align-self: flex-end; align-items: flex-end; }
.sbx-sender { font-size: 12px; font-weight: 600; color: var(--sbx-muted); }
.sbx-bubble { padding: 7px 11px; border-radius: 14px; background: var(--sbx-other); white-space: pre-wrap; overflow-wrap: anywhere; }
.sbx-group[data-mine="true"] .sbx-bubble { background: var(--sbx-accent); color: var(--sbx-accent-fg); }
.sbx-bubble[data-pending="true"] { opacity: .7; }
.sbx-bubble[data-failed="true"] { background: #ffebe9; color: var(--sbx-fg); border: 1px solid var(--sbx-danger); }
.sbx-meta { font-size: 11px; color: var(--sbx-muted); display: flex; gap: 8px; align-items: center; }
.sbx-placeholder { margin: auto; text-align: center; color: var(--sbx-muted); padding: 24px; }
.sbx-error { color: var(--sbx-danger); }
.sbx-button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--sbx-border); background: var(--sbx-bg); color: inherit; cursor: pointer; }
.sbx-button:disabled { opacity: .5; cursor: default; }
.sbx-button-primary { background: var(--sbx-accent); border-color: var(--sbx-accent); color: var(--sbx-accent-fg); font-weight: 600; }
.sbx-link { font: inherit; font-size: 11px; border: 0; background: none; color: var(--sbx-focus); text-decoration: underline; cursor: pointer; padding: 0; }
.sbx-older { align-self: center; }
.sbx-jump { position: absolute; right: 16px; bottom: 84px; }
.sbx-composer { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--sbx-border); align-items: flex-end; }
.sbx-composer textarea { flex: 1; resize: none; font: inherit; padding: 8px 10px; border: 1px solid var(--sbx-border); border-radius: 8px; min-height: 40px; max-height: 140px; }
.sbx-composer-note { padding: 8px 12px; border-top: 1px solid var(--sbx-border); color: var(--sbx-muted); font-size: 13px;
  display: flex; flex-wrap: wrap; gap: 8px; align-items: center; justify-content: space-between; }
.sbx-composer-note p { margin: 0; }
.sbx-typing { margin: 0; min-height: 16px; padding: 0 14px 2px; font-size: 12px; color: var(--sbx-muted); font-style: italic; }
.sbx-receipt[data-receipt="read"] { color: var(--sbx-focus); }
.sbx-form { align-self: stretch; border: 1px solid var(--sbx-border); border-left: 4px solid var(--sbx-accent); border-radius: 6px;
  padding: 8px 12px; background: var(--sbx-bg); }
.sbx-form p { margin: 0; }
.sbx-form-label { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--sbx-muted); }
.sbx-form-subject { font-weight: 600; }
.sbx-form-description { margin-top: 4px !important; white-space: pre-wrap; overflow-wrap: anywhere; }
.sbx-form time { display: block; margin-top: 4px; color: var(--sbx-muted); font-size: 11px; }
.sbx-attach { flex: none; align-self: stretch; display: inline-flex; align-items: center; gap: 6px; }
.sbx-icon { flex: none; }
.sbx-composer-note.sbx-error { color: var(--sbx-danger); }
.sbx-file { color: inherit; font-weight: 600; }
.sbx-file-facts { font-weight: 400; opacity: .85; }
@media (max-width: 640px) { .sbx-list { width: 100%; border-right: 0; } .sbx-body[data-has-view="true"] .sbx-list { display: none; } .sbx-back { display: inline-flex; } }
/* Touch screens and narrow panes: every control at least 44 x 44 CSS px, the composer in 16 px type (iOS zooms into smaller). */
@media (pointer: coarse), (max-width: 640px) {
  .sbx-button { min-height: 44px; min-width: 44px; }
  .sbx-link { min-height: 44px; min-width: 44px; padding: 0 6px; font-size: 13px; display: inline-flex; align-items: center; justify-content: center; }
  .sbx-list-item { min-height: 44px; }
  .sbx-composer textarea { font-size: 16px; min-height: 44px; }
}
/* Narrow: the chrome around the log shrinks; the banner keeps "Sandbox chat pane", "not Sendbird UIKit" and the state on one line. */
@media (max-width: 640px) {
  .sbx-banner { padding: 3px 10px; gap: 2px 8px; font-size: 11px; line-height: 1.35; }
  .sbx-banner-detail { display: none; }
  .sbx-header { padding: 6px 12px; }
  .sbx-header h2 { font-size: 15px; }
  .sbx-log { padding: 8px 10px; min-height: 120px; }
  .sbx-group { max-width: 85%; }
  .sbx-composer { padding: 6px 8px; }
  .sbx-jump { bottom: 68px; }
}
${CSAT_CSS}`;
