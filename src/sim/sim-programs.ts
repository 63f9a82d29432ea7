/**
 * The programs a debug pod's command lines reach, each with its own options, messages and exit codes
 * (busybox 1.35/1.36 applets in the image; util-linux, psmisc, iproute2, net-tools, cri-tools and CPython on
 * the node). Sources, for the messages:
 * - busybox chroot/timeout/env: BB_EXECVP_or_die, `can't execute '%s': No such file or directory`, 127;
 *   busybox timeout execs the program in its own process and signals it from a helper (coreutils/timeout.c);
 * - busybox cat/head: `can't open '%s': No such file or directory`, 1; coreutils: `cat: %s: No such file
 *   or directory`;
 * - util-linux nsenter: `failed to execute %s`, 127 for ENOENT (errexec);
 * - CPython: `python3: can't open file '%s': [Errno 2] No such file or directory`, 2.
 */
import type { NodeModel } from './node-model';
import type { ProgramKind } from './node-images';
import { runTracer, type TracerFaults } from './sim-tracer';
import { kill, runShell } from './sim-shell';
import { basename, signalNumber, SIGNALS, write, type Program, type ProgramContext } from './sim-os';

function busybox(context: ProgramContext): boolean {
  return context.flavour === 'busybox';
}

async function fail(context: ProgramContext, message: string, status: number): Promise<number> {
  await write(context.stdio.stderr, context.proc, message.endsWith('\n') ? message : `${message}\n`);
  return status;
}

/** execvp of the rest of argv in the same process, or the caller's own "can't execute" and 127. */
async function execRest(context: ProgramContext, argv: readonly string[]): Promise<number> {
  const status = await context.os.exec({ os: context.os, proc: context.proc, argv, stdio: context.stdio });
  if (status !== null) return status;
  const name = argv[0] ?? '';
  // coreutils names itself as it was invoked (argv[0], `/usr/bin/env` from a #! line), quotes in the C locale.
  if (context.name === 'env' && !busybox(context)) {
    return fail(context, `${context.argv[0] ?? 'env'}: '${name}': No such file or directory`, 127);
  }
  if (context.name === 'nsenter')
    return fail(context, `nsenter: failed to execute ${name}: No such file or directory`, 127);
  if (!busybox(context))
    return fail(context, `${context.name}: failed to run command '${name}': No such file or directory`, 127);
  return fail(context, `${context.name}: can't execute '${name}': No such file or directory`, 127);
}

const chroot: Program = async (context) => {
  const [, newRoot, ...command] = context.argv;
  if (newRoot === undefined) return fail(context, 'chroot: usage: chroot NEWROOT [PROG ARGS]', 1);
  if (
    context.os.resolve(context.proc, newRoot) !== '/host' ||
    context.proc.root === 'host' ||
    !context.os.hostMounted
  ) {
    return fail(context, `chroot: can't change root directory to '${newRoot}': No such file or directory`, 1);
  }
  context.proc.root = 'host';
  context.proc.cwd = '/';
  if (command.length === 0)
    return fail(context, 'sim: chroot without a command (an interactive shell) is not modelled', 1);
  return execRest(context, command);
};

/**
 * A duration as `sleep` takes it (busybox FEATURE_FANCY_SLEEP and FLOAT_DURATION, coreutils alike): a
 * number with s/m/h/d, fractions allowed. busybox 1.35/1.36 `timeout` takes whole seconds only
 * (xatou, coreutils/timeout.c; fractions came after 1.36.1).
 */
function duration(text: string, whole = false): number | null {
  const match = (whole ? /^(\d+)([smhd]?)$/ : /^(\d+(?:\.\d+)?)([smhd]?)$/).exec(text);
  if (match === null) return null;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const timeout: Program = async (context) => {
  const args = [...context.argv.slice(1)];
  let signo = SIGNALS.TERM as number;
  let killAfter: number | null = null;
  for (;;) {
    if (args[0] === '-s') {
      args.shift();
      const name = args.shift() ?? '';
      const parsed = signalNumber(name);
      if (parsed === null) return fail(context, `timeout: unknown signal '${name}'`, 1);
      signo = parsed;
    } else if (args[0] === '-k') {
      args.shift();
      const text = args.shift() ?? '';
      killAfter = duration(text, busybox(context));
      if (killAfter === null) return fail(context, `timeout: invalid number '${text}'`, 1);
    } else break;
  }
  const secondsText = args.shift() ?? '';
  const seconds = duration(secondsText, busybox(context));
  if (seconds === null) return fail(context, `timeout: invalid number '${secondsText}'`, 1);
  if (args.length === 0) {
    return fail(context, 'timeout: usage: timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS', 1);
  }
  const { proc, os } = context;
  // The helper: it sleeps, then signals the process the program now runs in.
  void os.clock.sleep(seconds, proc.life.signal).then(async () => {
    if (!proc.alive) return;
    proc.signal(signo);
    if (killAfter === null) return;
    await os.clock.sleep(killAfter, proc.life.signal);
    if (proc.alive) proc.signal(SIGNALS.KILL as number);
  });
  return execRest(context, args);
};

const sleep: Program = async (context) => {
  const seconds = duration(context.argv[1] ?? '');
  if (seconds === null) return fail(context, `sleep: invalid number '${context.argv[1] ?? ''}'`, 1);
  await context.os.clock.sleep(seconds, context.proc.life.signal);
  return 0;
};

function cannotOpen(context: ProgramContext, file: string): string {
  return busybox(context)
    ? `${context.name}: can't open '${file}': No such file or directory`
    : `${context.name}: ${file}: No such file or directory`;
}

const cat: Program = async (context) => {
  let status = 0;
  for (const file of context.argv.slice(1)) {
    const content = context.os.read(context.proc, file);
    if (content === null) {
      await fail(context, cannotOpen(context, file), 1);
      status = 1;
      continue;
    }
    for (const chunk of content.chunks) {
      if (!context.proc.alive) return status;
      await context.stdio.stdout.write(chunk, context.proc);
    }
  }
  return status;
};

const head: Program = async (context) => {
  const [, flag, count, ...files] = context.argv;
  if ((flag !== '-n' && flag !== '-c') || count === undefined || !/^\d+$/.test(count) || files.length !== 1) {
    return fail(context, `sim: head ${context.argv.slice(1).join(' ')} is not modelled`, 1);
  }
  const content = context.os.read(context.proc, files[0] as string);
  if (content === null) return fail(context, cannotOpen(context, files[0] as string), 1);
  const text = Buffer.concat(content.chunks.slice(0, 64));
  const limit = Number(count);
  let end = text.length;
  if (flag === '-c') end = Math.min(limit, text.length);
  else {
    let lines = 0;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === 10 && ++lines === limit) {
        end = i + 1;
        break;
      }
    }
    if (limit === 0) end = 0;
  }
  await context.stdio.stdout.write(text.subarray(0, end), context.proc);
  return 0;
};

/** `grep [-qxF]... PATTERN FILE`: fixed strings (-F) only; -x whole lines, -q status alone. */
const grep: Program = async (context) => {
  const args = [...context.argv.slice(1)];
  const flags = new Set<string>();
  while (args[0]?.startsWith('-') === true && args[0] !== '-') {
    for (const letter of (args.shift() as string).slice(1)) flags.add(letter);
  }
  const [pattern, file, ...more] = args;
  if (
    pattern === undefined ||
    file === undefined ||
    more.length > 0 ||
    !flags.has('F') ||
    [...flags].some((f) => !'qxF'.includes(f))
  ) {
    return fail(context, `sim: grep ${context.argv.slice(1).join(' ')} is not modelled`, 2);
  }
  const content = context.os.read(context.proc, file);
  if (content === null) return fail(context, `grep: ${file}: No such file or directory`, 2);
  const text = Buffer.concat(content.chunks.slice(0, 64)).toString('utf8');
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop(); // a line still being written is not yet a line grep sees whole
  const found = lines.filter((line) => (flags.has('x') ? line === pattern : line.includes(pattern)));
  if (!flags.has('q')) await write(context.stdio.stdout, context.proc, found.map((l) => `${l}\n`).join(''));
  return found.length > 0 ? 0 : 1;
};

const env: Program = async (context) => {
  const args = [...context.argv.slice(1)];
  while (args[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0])) {
    const assignment = args.shift() as string;
    const at = assignment.indexOf('=');
    context.proc.env.set(assignment.slice(0, at), assignment.slice(at + 1));
  }
  if (args.length === 0) return fail(context, 'sim: env without a command is not modelled', 1);
  return execRest(context, args);
};

const python3 =
  (model: NodeModel, faults: TracerFaults): Program =>
  async (context) => {
    const args = [...context.argv.slice(1)];
    let unbuffered = (context.proc.env.get('PYTHONUNBUFFERED') ?? '') !== '';
    while (args[0]?.startsWith('-') === true) {
      const option = args.shift() as string;
      if (option === '-u') unbuffered = true;
      else if (option === '-B' || option === '-E' || option === '-s') continue;
      else return fail(context, `sim: python3 ${option} is not modelled`, 2);
    }
    const script = args[0];
    if (script === undefined) return fail(context, 'sim: an interactive python3 is not modelled', 2);
    const path = script.startsWith('/') ? script : `${context.proc.cwd}/${script}`;
    const file = context.os.image(context.proc.root).files.get(path);
    if (file === undefined) {
      return fail(context, `python3: can't open file '${path}': [Errno 2] No such file or directory`, 2);
    }
    if (file.kind !== 'script' || file.tool !== 'tcptracer')
      return fail(context, `sim: python3 ${script} is not modelled`, 1);
    return runTracer(context, args.slice(1), { unbuffered, model, faults });
  };

/** The node's own tools: their output is the node model's; they run only on the node (under chroot). */
function nodeTool(model: NodeModel): Program {
  return async (context) => {
    const result = model.runTool(
      [basename(context.argv[0] ?? ''), ...context.argv.slice(1)],
      context.proc.netnsOf,
    );
    if (result === null) return fail(context, `sim: ${context.argv.join(' ')} is not modelled`, 1);
    await write(context.stdio.stdout, context.proc, result.stdout);
    await write(context.stdio.stderr, context.proc, result.stderr);
    return result.exitCode;
  };
}

/** util-linux `nsenter -t PID -n [--] PROG ARGS`: the netns of PID, then exec. */
function nsenter(model: NodeModel): Program {
  return async (context) => {
    const args = [...context.argv.slice(1)];
    if (args[0] !== '-t' || args[1] === undefined || !/^\d+$/.test(args[1]) || args[2] !== '-n') {
      return fail(context, `sim: nsenter ${args.join(' ')} is not modelled`, 1);
    }
    const pid = Number(args[1]);
    if (!model.hasPid(pid) && context.os.process(pid) === undefined) {
      return fail(context, `nsenter: cannot open /proc/${pid}/ns/net: No such file or directory`, 1);
    }
    const rest = args.slice(3);
    if (rest[0] === '--') rest.shift();
    if (model.hasPid(pid)) context.proc.netnsOf = pid;
    return execRest(context, rest);
  };
}

/** Every program a node's debug pod can reach, bound to that node. */
export function programsFor(
  model: NodeModel,
  faults: TracerFaults = {},
): Readonly<Partial<Record<ProgramKind, Program>>> {
  const tool = nodeTool(model);
  return {
    sh: runShell,
    chroot,
    timeout,
    sleep,
    kill,
    cat,
    head,
    grep,
    env,
    python3: python3(model, faults),
    lsns: tool,
    pstree: tool,
    crictl: tool,
    ss: tool,
    netstat: tool,
    nsenter: nsenter(model),
  };
}
