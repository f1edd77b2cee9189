/**
 * The hook file orch installs (pure text, no I/O). It runs the hook that was
 * there before (kept beside it as `<name>.orch-chained`) first, with the same
 * arguments and stdin, then orch's own hook body in a subshell.
 *
 * Exit codes: for a gate hook (one whose exit code stops git, such as
 * reference-transaction or pre-commit) a failing chained hook ends the wrapper
 * with its code before orch's body runs, and a failing body fails too. For
 * other hooks both run and the chained hook's code is passed through.
 *
 * A chained hook written for sh or bash is run by sourcing it under its own
 * interpreter with `$0` set to the path git used, because hook managers
 * (husky's `.husky/_/h`, husky 4's `husky.sh`) find the user's script from
 * `basename "$0"`; anything else is executed directly.
 */

/** The marker that tells an orch-written hook from anyone else's. */
export const WRAPPER_MARKER = '# orch-hook-wrapper v1';

/** Suffix of the hook orch moved aside and chains to. */
export const CHAINED_SUFFIX = '.orch-chained';

/** Hooks whose exit code makes git stop what it was doing. */
export const GATE_HOOKS: ReadonlySet<string> = new Set([
  'applypatch-msg',
  'pre-applypatch',
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'pre-rebase',
  'pre-push',
  'pre-receive',
  'update',
  'proc-receive',
  'push-to-checkout',
  'reference-transaction',
  'sendemail-validate',
  'pre-auto-gc',
]);

/** Hooks that get data on stdin, which both the chained hook and orch's body may read. */
export const STDIN_HOOKS: ReadonlySet<string> = new Set([
  'post-rewrite',
  'pre-push',
  'pre-receive',
  'post-receive',
  'proc-receive',
  'reference-transaction',
]);

const HOOK_NAME = /^[a-z][a-z-]*$/;

export function isValidHookName(name: string): boolean {
  return HOOK_NAME.test(name);
}

/** Whether a hook file's text is a wrapper orch wrote (the marker on line 2). */
export function isOrchHookWrapper(text: string): boolean {
  const lines = text.split('\n', 3);
  return lines[1]?.startsWith(WRAPPER_MARKER) === true;
}

/**
 * The wrapper for hook `name` around orch's `body` (a POSIX sh script; its
 * `#!` line becomes a comment, and its `exit` ends only its subshell).
 */
export function renderHookWrapper(name: string, body: string): string {
  if (!isValidHookName(name)) throw new Error(`invalid hook name ${JSON.stringify(name)}`);
  const gate = GATE_HOOKS.has(name);
  const stdin = STDIN_HOOKS.has(name);
  const chainedCall = stdin ? `printf '%s' "$orch_in" | orch_run_chained "$@"` : 'orch_run_chained "$@"';
  const bodyCall = stdin ? `if [ -n "$orch_buffered" ]; then printf '%s' "$orch_in" | orch_body "$@"; else orch_body "$@"; fi` : 'orch_body "$@"';
  const text = body.endsWith('\n') ? body : `${body}\n`;
  return `#!/bin/sh
${WRAPPER_MARKER}: ${name}
# Written by \`orch hooks install\`; \`orch hooks uninstall\` puts back what was
# here before. The previous hook, if any, is ${name}${CHAINED_SUFFIX} beside this
# file and runs first with the same arguments${stdin ? ' and stdin' : ''}.
case $0 in */*) orch_dir=\${0%/*} ;; *) orch_dir=. ;; esac
orch_chained="$orch_dir/${name}${CHAINED_SUFFIX}"

orch_pick_shell() { # the words of the chained hook's #! line
  orch_sh= orch_opt=
  case $1 in */env) shift ;; esac
  case \${1##*/} in sh | dash | bash | ash | ksh | mksh) orch_sh=$1 ;; esac
  case $2 in -?*) orch_opt=$2 ;; *) [ $# -le 1 ] || orch_sh= ;; esac
  [ $# -le 2 ] || orch_sh=
}

orch_run_chained() {
  orch_line=
  IFS= read -r orch_line <"$orch_chained" 2>/dev/null
  orch_sh=
  case $orch_line in
    '#!'*) set -f; orch_pick_shell \${orch_line#??}; set +f ;;
  esac
  if [ -n "$orch_sh" ]; then
    "$orch_sh" $orch_opt -c 'orch_f=$1; shift; . "$orch_f"' "$0" "$orch_chained" "$@"
  else
    "$orch_chained" "$@"
  fi
}

orch_body() (
${text})

orch_status=0
orch_buffered=
if [ -f "$orch_chained" ] && [ -x "$orch_chained" ]; then
${stdin ? '  orch_in=$(cat; echo .); orch_in=${orch_in%.}; orch_buffered=1\n' : ''}  ${chainedCall}
  orch_status=$?
${gate ? '  [ "$orch_status" -eq 0 ] || exit "$orch_status"\n' : ''}fi
${bodyCall}
orch_body_status=$?
[ "$orch_status" -eq 0 ] || exit "$orch_status"
exit "$orch_body_status"
`;
}
