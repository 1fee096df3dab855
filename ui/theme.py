"""The page's look: the Gradio theme, the CSS (every custom colour with a
dark variant) and the small scripts the chat needs in the browser."""

from __future__ import annotations

import gradio as gr

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    # Soft's subdued grey (neutral-400) is 2.5:1 on white and its unchecked
    # checkbox border is near-white: both raised to at least 4.5:1 / 3:1.
    return gr.themes.Soft(font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
        checkbox_border_color="*neutral_500", checkbox_border_color_dark="*neutral_400",
        checkbox_border_width="2px",
        block_label_text_color="*primary_700", block_title_text_color="*primary_700",  # 4.6:1 -> 6:1 on primary_100
    )


CSS = """
:root {
  --na-refused-bg: #fff8e6; --na-refused-fg: #3d2b00; --na-refused-line: #b7791f;
  --na-refused-badge-bg: #e8b64c; --na-refused-badge-fg: #2b1e00;
  --na-error-bg: #fdecec; --na-error-fg: #6b1414; --na-error-line: #c25555;
  --na-error-badge-bg: #b42318; --na-error-badge-fg: #ffffff;
  --na-ok-bg: #e9f6ec; --na-ok-fg: #14401f;
  --na-info-bg: #eef1f5; --na-info-fg: #1f2937;
  --na-draft-bg: #e5e7eb; --na-draft-fg: #1f2937;
  --na-mark-bg: #ffe58a; --na-mark-fg: #1f1f1f;
  --na-skip-fg: #a12727; --na-added-fg: #1e6b30; --na-conflict-fg: #8a4b00;
  --na-num-bg: #4338ca; --na-num-fg: #ffffff; --na-link: #3730a3;
  --na-gone-bg: #6b7280; --na-gone-fg: #ffffff;
}
.dark {
  --na-refused-bg: #3b2f12; --na-refused-fg: #fde9b8; --na-refused-line: #b7791f;
  --na-refused-badge-bg: #f0c45c; --na-refused-badge-fg: #2b1e00;
  --na-error-bg: #431b1b; --na-error-fg: #ffdada; --na-error-line: #c25555;
  --na-error-badge-bg: #ff9a90; --na-error-badge-fg: #3a0000;
  --na-ok-bg: #173a22; --na-ok-fg: #cdf3d7;
  --na-info-bg: #1f2937; --na-info-fg: #e5e7eb;
  --na-draft-bg: #374151; --na-draft-fg: #f3f4f6;
  --na-mark-bg: #6b5900; --na-mark-fg: #fff6cc;
  --na-skip-fg: #ffa3a3; --na-added-fg: #93e3a7; --na-conflict-fg: #ffc266;
  --na-num-bg: #a5b4fc; --na-num-fg: #111827; --na-link: #c7d2fe;
  --na-gone-bg: #d1d5db; --na-gone-fg: #111827;
}
.na-header-row { align-items: center; }
.na-header h1 { margin: 0; font-size: 1.4rem; }
.na-header p { margin: .2rem 0 0; color: var(--body-text-color-subdued); }
.na-chat { display: flex; flex-direction: column; gap: .75rem; padding: .25rem 0; }
.na-msg { max-width: 100%; scroll-margin-top: .75rem; scroll-margin-bottom: 9rem; }
.na-user { display: flex; justify-content: flex-end; }
.na-user .na-bubble { background: var(--color-accent-soft); color: var(--body-text-color);
  border-radius: 14px 14px 2px 14px; padding: .55rem .85rem; max-width: 80%; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.na-scope { font-size: .78rem; color: var(--body-text-color-subdued); margin-top: .2rem; white-space: normal; }
.na-bot { border: 1px solid var(--border-color-primary); border-radius: 14px 14px 14px 2px;
  padding: .7rem .9rem; background: var(--background-fill-secondary); color: var(--body-text-color);
  overflow-wrap: anywhere; }
.na-text { line-height: 1.5; white-space: normal; }
.na-text p { margin: 0 0 .4rem; }
.na-text p:last-child { margin-bottom: 0; }
.na-list { margin: .2rem 0 .4rem 1.2rem; padding: 0; list-style: disc; }
.na-streaming { border-style: dashed; }
.na-cursor { animation: na-blink 1s steps(2) infinite; margin-left: 1px; }
@keyframes na-blink { to { visibility: hidden; } }
.na-badge { display: inline-block; font-size: .78rem; font-weight: 600; border-radius: 999px;
  padding: .1rem .6rem; margin-bottom: .4rem; }
.na-badge-draft { background: var(--na-draft-bg); color: var(--na-draft-fg); }
.na-place { font-size: .9rem; }
.na-refused { background: var(--na-refused-bg); border-color: var(--na-refused-line); color: var(--na-refused-fg); }
.na-badge-refused { background: var(--na-refused-badge-bg); color: var(--na-refused-badge-fg); }
.na-error { background: var(--na-error-bg); border-color: var(--na-error-line); color: var(--na-error-fg); }
.na-badge-error { background: var(--na-error-badge-bg); color: var(--na-error-badge-fg); }
.na-stopped { border-style: dashed; }
.na-cite { font-weight: 600; text-decoration: none; color: var(--na-link); padding: 0 1px; }
.na-cite:hover { text-decoration: underline; }
.na-note { font-size: .85rem; color: var(--body-text-color-subdued); margin-top: .35rem; }
.na-note summary { cursor: pointer; }
.na-conflict { color: var(--na-conflict-fg); font-weight: 600; }
.na-sources { list-style: none; padding: 0; margin: .6rem 0 0; display: flex; flex-direction: column; gap: .5rem; }
.na-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: .5rem .7rem;
  background: var(--background-fill-primary); transition: box-shadow .3s; }
.na-card.na-flash { box-shadow: 0 0 0 3px var(--color-accent); }
.na-card-removed { border-style: dashed; }
.na-card-head { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.na-num { background: var(--na-num-bg); color: var(--na-num-fg); border-radius: 999px; font-size: .75rem;
  font-weight: 700; min-width: 1.3rem; text-align: center; padding: 0 .35rem; }
.na-title { font-weight: 600; color: var(--body-text-color); }
a.na-title { color: var(--na-link); }
.na-meta { font-size: .8rem; color: var(--body-text-color-subdued); }
.na-gone { font-size: .75rem; font-weight: 700; border-radius: 999px; padding: 0 .5rem;
  background: var(--na-gone-bg); color: var(--na-gone-fg); }
.na-file { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .75rem;
  color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
.na-card .na-context { margin: .4rem 0 0; padding: .2rem 0 .2rem .7rem; border-left: 3px solid var(--border-color-primary);
  font-size: .88rem; color: var(--body-text-color-subdued); white-space: pre-wrap; }
.na-card .na-context mark { background: var(--na-mark-bg); color: var(--na-mark-fg); padding: 0 1px; border-radius: 2px; }
.na-actions { margin-top: .5rem; }
.na-copy { font-size: .78rem; border: 1px solid var(--border-color-primary); border-radius: 6px; color: var(--body-text-color);
  padding: .15rem .55rem; background: var(--background-fill-primary); cursor: pointer; }
.na-scores { margin-top: .5rem; font-size: .78rem; }
.na-scroll { overflow-x: auto; }
.na-scores td.na-n { white-space: nowrap; font-variant-numeric: tabular-nums; }
.na-scores td.na-art { min-width: 10rem; }
.na-scores table, .na-library { border-collapse: collapse; width: 100%; }
.na-scores td, .na-scores th, .na-library td, .na-library th { border-bottom: 1px solid var(--border-color-primary);
  padding: .25rem .4rem; text-align: left; vertical-align: top; }
.na-library caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
.na-library, .na-library * { border-left: 0 !important; border-right: 0 !important; border-top: 0 !important;
  border-color: var(--border-color-primary) !important; }
table.na-library { border: 0 !important; }
@media (min-width: 641px) { .na-lib td.na-file { white-space: nowrap; } }
.na-lib a { color: var(--na-link); }
.na-empty { padding: 1rem; border: 1px dashed var(--border-color-primary); border-radius: 10px; color: var(--body-text-color); }
.na-empty ul { margin: .4rem 0 0 1rem; }
.na-warn { background: var(--na-refused-bg); color: var(--na-refused-fg); }
.na-muted { color: var(--body-text-color-subdued); font-style: italic; }
.na-results { margin: .3rem 0; padding-left: 1.1rem; }
.na-results .na-skipped { color: var(--na-skip-fg); }
.na-results .na-added, .na-results .na-updated { color: var(--na-added-fg); }
.na-notice { padding: .45rem .7rem; border-radius: 8px; margin: .3rem 0; }
.na-notice.na-info { background: var(--na-info-bg); color: var(--na-info-fg); }
.na-notice.na-ok { background: var(--na-ok-bg); color: var(--na-ok-fg); }
.na-notice.na-error { background: var(--na-error-bg); color: var(--na-error-fg); }
.na-preview { max-height: 28rem; overflow-y: auto; border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: .6rem .9rem; background: var(--background-fill-primary); }
.na-preview h3 { margin: 0 0 .2rem; }
/* "No saved conversations yet" goes once the list has one. */
#na-sidebar:has(#na-convs input[type=radio]) .na-nolist { display: none; }
/* The question box stays in view while the conversation scrolls: the
   container's overflow:hidden would make it the sticky box's scroller; clip does not. */
.gradio-container { overflow: clip !important; }
#na-input { position: sticky; bottom: 0; z-index: 30; background: var(--body-background-fill);
  padding: .4rem 0; border-top: 1px solid var(--border-color-primary); }
#na-hint, #na-hint > div { min-height: 0 !important; }
#na-hint:not(:has(.na-notice)) { display: none !important; }
#na-hint .na-notice { margin: 0; }
@media (max-width: 640px) {
  .na-header h1 { font-size: 1.15rem; }
  .na-header p { font-size: .85rem; }
  .na-header-row { flex-wrap: nowrap !important; gap: .4rem !important; }
  #na-theme { white-space: nowrap; flex: 0 0 auto !important; min-width: 5.5rem !important; padding: .2rem .5rem; }
  .na-user .na-bubble { max-width: 92%; }
  .na-lib thead, .na-lib td.na-none { display: none !important; }
  .na-lib { border: 0 !important; }
  .na-lib caption { display: block; text-align: left; }
  .na-lib, .na-lib tbody, .na-lib tr, .na-lib td { display: block; width: 100%; box-sizing: border-box; }
  .na-lib tr { border: 1px solid var(--border-color-primary); border-radius: 8px; margin-bottom: .5rem; padding: .3rem; }
  .na-lib td { border: 0; padding: .1rem .3rem; }
  .na-lib td::before { content: attr(data-label) ": "; font-weight: 600; color: var(--body-text-color); }
  .na-lib td.na-lib-title::before { content: ""; }
  .na-lib td.na-lib-title { font-weight: 600; }
  #na-examples button { font-size: .8rem; }
}
"""

CHAT_JS = r"""
element.setAttribute('aria-live', 'polite');
element.addEventListener('click', function (ev) {
  var cite = ev.target.closest('a.na-cite');
  if (cite) {
    ev.preventDefault();
    var card = element.querySelector('#' + CSS.escape(cite.dataset.target));
    if (card) {
      card.scrollIntoView({behavior: 'smooth', block: 'center'});
      card.classList.add('na-flash');
      setTimeout(function () { card.classList.remove('na-flash'); }, 1400);
    }
    return;
  }
  var btn = ev.target.closest('button.na-copy');
  if (btn) {
    var ta = element.querySelector('#' + CSS.escape(btn.dataset.copy));
    if (!ta) return;
    var text = ta.value;
    var done = function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy answer with sources'; }, 1500); };
    var fallback = function () {
      ta.hidden = false; ta.select(); try { document.execCommand('copy'); done(); } catch (e) {} ta.hidden = true;
    };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); }
    else { fallback(); }
  }
});
// Bring the newest question and its answer into view when one is added or
// finished; announce only finished answers (aria-busy while one streams).
var seen = '';
new MutationObserver(function () {
  var users = element.querySelectorAll('.na-user').length;
  var finals = element.querySelectorAll('.na-answer, .na-refused, .na-error, .na-stopped').length;
  var busy = element.querySelector('[data-state=streaming], [data-state=waiting]') !== null;
  element.setAttribute('aria-busy', busy ? 'true' : 'false');
  var now = users + ':' + finals;
  if (now === seen) return;
  seen = now;
  var last = element.querySelectorAll('.na-user');
  if (last.length) {
    var q = last[last.length - 1];
    setTimeout(function () { q.scrollIntoView({block: 'start', behavior: 'smooth'}); }, 30);
  }
}).observe(element, {childList: true, subtree: true});
"""

THEME_TOGGLE_JS = """
() => {
  const dark = !document.body.classList.contains('dark');
  document.body.classList.toggle('dark', dark);
  try { localStorage.setItem('na-theme', dark ? 'dark' : 'light'); } catch (e) {}
}
"""

THEME_ON_LOAD_JS = """
() => {
  let t = null;
  try { t = localStorage.getItem('na-theme'); } catch (e) {}
  if (t === 'dark') document.body.classList.add('dark');
  if (t === 'light') document.body.classList.remove('dark');
  // On a phone the conversation list would cover the chat: start with it closed.
  const side = document.querySelector('#na-sidebar');
  if (side && side.classList.contains('open') && window.innerWidth < 760) {
    const toggle = side.querySelector('.toggle-button');
    if (toggle) toggle.click();
  }
}
"""
