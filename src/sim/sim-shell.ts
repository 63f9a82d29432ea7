/**
 * `sh -c SCRIPT` as busybox ash (the debug image's /bin/sh), dash (Ubuntu's) and bash (Azure Linux's)
 * run it, for the constructs sim-shell-parse.ts reads. What matters on a node and is modelled here:
 *
 * - a background job (`&`) of a non-interactive shell starts with SIGINT and SIGQUIT ignored (POSIX XCU
 *   2.11; busybox ash forkchild: `if (mode == FORK_BG) { ignoresig(SIGINT); ignoresig(SIGQUIT); }`), and
 *   an ignored signal stays ignored across exec;
 * - `$$` is the shell's PID (in a subshell too), `$!` the last background job's, `$?` the last status;
 * - `exec` replaces the shell, keeping its PID; `ulimit -f` sets RLIMIT_FSIZE in 512-byte blocks;
 * - a command not found is status 127, with each shell's own message.
 */
import {
  parseShell,
  ShellSyntaxError,
  type Command,
  type List,
  type Redirect,
  type Word,
} from './sim-shell-parse';
import {
  signalNumber,
  write,
  type Output,
  type ProgramContext,
  type SimOs,
  type SimProcess,
  type Stdio,
} from './sim-os';

type Flavour = 'ash' | 'dash' | 'bash';

function flavourOf(flavour: string | undefined): Flavour {
  return flavour === 'dash' ? 'dash' : flavour === 'bash' ? 'bash' : 'ash';
}

/** Each shell's words for a command it cannot find (ash.c find_command, dash exec.c, bash). */
function notFound(flavour: Flavour, name: string): string {
  if (flavour === 'dash') return `sh: 1: ${name}: not found\n`;
  if (flavour === 'bash') return `sh: line 1: ${name}: command not found\n`;
  return `sh: ${name}: not found\n`;
}

function cannotCreate(flavour: Flavour, path: string, why: string): string {
  if (flavour === 'dash') return `sh: 1: cannot create ${path}: Directory nonexistent\n`;
  if (flavour === 'bash') return `sh: line 1: ${path}: No such file or directory\n`;
  return `sh: can't create ${path}: ${why.replace(/^.*: /, '')}\n`;
}

interface ShellState {
  readonly os: SimOs;
  readonly flavour: Flavour;
  /** `$$`: the PID of the shell the script was given to, even in its subshells. */
  readonly shellPid: number;
  readonly vars: Map<string, string>;
  status: number;
  lastBackground: number | null;
  exited: boolean;
}

/** The `sh` program: `sh -c SCRIPT [NAME [ARGS...]]`. */
export async function runShell(context: ProgramContext): Promise<number> {
  const { argv, proc, stdio } = context;
  const flavour = flavourOf(context.flavour);
  if (argv[1] !== '-c' || argv[2] === undefined) {
    await write(stdio.stderr, proc, 'sim: only `sh -c SCRIPT` is modelled\n');
    return 2;
  }
  let list: List;
  try {
    list = parseShell(argv[2]);
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    await write(stdio.stderr, proc, `sim: ${error.message}\n`);
    return 2;
  }
  const state: ShellState = {
    os: context.os,
    flavour,
    shellPid: proc.pid,
    vars: new Map([['0', argv[3] ?? 'sh']]),
    status: 0,
    lastBackground: null,
    exited: false,
  };
  return runList(state, proc, list, stdio);
}

async function runList(state: ShellState, proc: SimProcess, list: List, stdio: Stdio): Promise<number> {
  for (const item of list.items) {
    if (state.exited || !proc.alive) break;
    if (item.background) {
      // fork: the job's own process, with SIGINT and SIGQUIT ignored (no job control in `sh -c`).
      const child = state.os.newProcess(proc);
      child.ignored.add(2);
      child.ignored.add(3);
      const jobState: ShellState = { ...state, vars: new Map(state.vars), exited: false };
      void child.run(runAndOr(jobState, child, item.andOr, stdio));
      state.lastBackground = child.pid;
      state.status = 0;
      continue;
    }
    state.status = await runAndOr(state, proc, item.andOr, stdio);
  }
  return state.status;
}

async function runAndOr(
  state: ShellState,
  proc: SimProcess,
  andOr: List['items'][number]['andOr'],
  stdio: Stdio,
): Promise<number> {
  let status = await runCommand(state, proc, andOr.first, stdio);
  state.status = status;
  for (const { op, command } of andOr.rest) {
    if (state.exited) break;
    if ((op === '&&') !== (status === 0)) continue;
    status = await runCommand(state, proc, command, stdio);
    state.status = status;
  }
  return status;
}

function expand(state: ShellState, proc: SimProcess, word: Word): string {
  return word
    .map((part) => {
      if (part.kind === 'text') return part.text;
      switch (part.name) {
        case '$':
          return String(state.shellPid);
        case '?':
          return String(state.status);
        case '!':
          return state.lastBackground === null ? '' : String(state.lastBackground);
        case '#':
          return '0';
        default:
          return state.vars.get(part.name) ?? proc.env.get(part.name) ?? '';
      }
    })
    .join('');
}

/** Applies redirections to a copy of the fds; an error message when a file cannot be opened. */
function redirect(
  state: ShellState,
  proc: SimProcess,
  redirects: readonly Redirect[],
  stdio: Stdio,
): Stdio | string {
  const fds: Output[] = [stdio.stdout, stdio.stdout, stdio.stderr];
  let stdin = stdio.stdin;
  for (const r of redirects) {
    const target = expand(state, proc, r.target);
    if (r.op === '>&') {
      const from = /^\d$/.test(target) ? fds[Number(target)] : undefined;
      if (from === undefined) return `sh: ${target}: bad file descriptor\n`;
      fds[r.fd] = from;
      continue;
    }
    if (r.op === '<') {
      const content = state.os.read(proc, target);
      if (content === null) return `sh: can't open ${target}: no such file\n`;
      stdin = Buffer.concat(content.chunks).toString('utf8');
      continue;
    }
    const opened = state.os.openWrite(proc, target, r.op === '>>');
    if (typeof opened === 'string') return cannotCreate(state.flavour, target, opened);
    fds[r.fd] = opened;
  }
  return { stdout: fds[1] as Output, stderr: fds[2] as Output, ...(stdin === undefined ? {} : { stdin }) };
}

async function runCommand(
  state: ShellState,
  proc: SimProcess,
  command: Command,
  stdio: Stdio,
): Promise<number> {
  const io = redirect(state, proc, command.redirects, stdio);
  if (typeof io === 'string') {
    await write(stdio.stderr, proc, io);
    return state.flavour === 'dash' ? 2 : 1;
  }
  if (command.kind === 'subshell') {
    const child = state.os.newProcess(proc);
    const inner: ShellState = { ...state, vars: new Map(state.vars), exited: false };
    return child.run(runList(inner, child, command.list, io));
  }
  if (command.kind === 'loop') {
    let status = 0;
    while (!state.exited && proc.alive) {
      const condition = await runList(state, proc, command.condition, io);
      if (state.exited || (condition === 0) === command.until) break;
      status = await runList(state, proc, command.body, io);
    }
    return state.exited ? state.status : status;
  }
  const argv = command.words.map((word) => expand(state, proc, word));
  const name = argv[0];
  if (name === undefined) return 0;
  const builtin = BUILTINS[name];
  if (builtin !== undefined) return builtin(state, proc, argv, io);
  // fork + exec
  const child = state.os.newProcess(proc);
  return child.run(
    (async () => {
      const status = await state.os.exec({ os: state.os, proc: child, argv, stdio: io });
      if (status !== null) return status;
      await write(io.stderr, child, notFound(state.flavour, name));
      return 127;
    })(),
  );
}

type Builtin = (
  state: ShellState,
  proc: SimProcess,
  argv: readonly string[],
  stdio: Stdio,
) => Promise<number>;

const BUILTINS: Readonly<Record<string, Builtin>> = {
  ':': () => Promise.resolve(0),
  true: () => Promise.resolve(0),
  false: () => Promise.resolve(1),
  echo: async (_state, proc, argv, stdio) => {
    await write(stdio.stdout, proc, `${argv.slice(1).join(' ')}\n`);
    return 0;
  },
  cd: async (state, proc, argv, stdio) => {
    const to = argv[1] ?? '/';
    const at = state.os.resolve(proc, to);
    if (!state.os.isDirectory(at)) {
      await write(stdio.stderr, proc, `sh: cd: can't cd to ${to}: No such file or directory\n`);
      return 2;
    }
    proc.cwd = to.startsWith('/') ? to : `${proc.cwd.replace(/\/$/, '')}/${to}`;
    return 0;
  },
  exit: (state, _proc, argv) => {
    state.exited = true;
    return Promise.resolve(argv[1] === undefined ? state.status : Number(argv[1]) & 0xff);
  },
  exec: async (state, proc, argv, stdio) => {
    if (argv.length < 2) return 0;
    // The shell is replaced: whatever the program returns is the shell's status, and nothing runs after.
    state.exited = true;
    const status = await state.os.exec({ os: state.os, proc, argv: argv.slice(1), stdio });
    if (status !== null) return status;
    await write(stdio.stderr, proc, `sh: exec: ${argv[1]}: not found\n`);
    return 127;
  },
  ulimit: async (_state, proc, argv, stdio) => {
    if (argv[1] === '-f' && argv[2] !== undefined) {
      if (argv[2] === 'unlimited') proc.fsizeLimit = null;
      else if (/^\d+$/.test(argv[2])) proc.fsizeLimit = Number(argv[2]) * 512;
      else {
        await write(stdio.stderr, proc, `sh: ulimit: invalid number '${argv[2]}'\n`);
        return 1;
      }
      return 0;
    }
    await write(stdio.stderr, proc, `sim: ulimit ${argv.slice(1).join(' ')} is not modelled\n`);
    return 2;
  },
  kill: (state, proc, argv, stdio) => kill({ os: state.os, proc, argv, stdio, name: 'sh', flavour: 'ash' }),
  /** `read NAME... < FILE` (no -r, no IFS but blanks): the first line, split on blanks, the rest to the last. */
  read: (state, _proc, argv, stdio) => {
    void state;
    const names = argv.slice(1);
    const input = stdio.stdin;
    if (input === undefined) return Promise.resolve(1);
    const newline = input.indexOf('\n');
    if (newline === -1 && input === '') return Promise.resolve(1);
    const line = newline === -1 ? input : input.slice(0, newline);
    const fields = line.trim().split(/[ \t]+/);
    names.forEach((name, i) => {
      const value = i === names.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? '');
      state.vars.set(name, value);
    });
    return Promise.resolve(newline === -1 ? 1 : 0);
  },
};

/** `kill [-SIG | -s SIG] PID...` (ash's builtin and busybox's applet alike). */
export async function kill(context: ProgramContext): Promise<number> {
  const { os, proc, stdio } = context;
  const args = [...context.argv.slice(1)];
  let signo = 15;
  if (args[0] === '-s') {
    args.shift();
    const parsed = signalNumber(args.shift() ?? '');
    if (parsed === null) return 1;
    signo = parsed;
  } else if (args[0]?.startsWith('-') === true) {
    const parsed = signalNumber((args.shift() as string).slice(1));
    if (parsed === null) {
      await write(stdio.stderr, proc, `sh: kill: bad signal name\n`);
      return 1;
    }
    signo = parsed;
  }
  let status = 0;
  for (const arg of args) {
    const target = /^\d+$/.test(arg) ? os.process(Number(arg)) : undefined;
    if (target === undefined) {
      await write(stdio.stderr, proc, `sh: can't kill pid ${arg}: No such process\n`);
      status = 1;
      continue;
    }
    target.signal(signo);
  }
  return status;
}
