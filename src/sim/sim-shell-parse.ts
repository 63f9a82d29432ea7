/**
 * The part of the POSIX shell language (XCU 2, "Shell Command Language") that command lines sent to a
 * node use: lists (`;`, newline, `&`, `&&`, `||`), subshells, `while`/`until` loops, simple commands with
 * quoting (single, double, backslash), `$$ $? $! $NAME ${NAME}` and redirections (`>`, `>>`, `<`, `n>`,
 * `n>&m`). A script that needs more (pipes, `if`, `for`, command substitution) is refused with the
 * construct it used, so the simulator never pretends to run what it does not understand.
 */

export type WordPart =
  { readonly kind: 'text'; readonly text: string } | { readonly kind: 'param'; readonly name: string };

export type Word = readonly WordPart[];

export interface Redirect {
  readonly fd: number;
  readonly op: '>' | '>>' | '<' | '>&';
  readonly target: Word;
}

export type Command =
  | { readonly kind: 'simple'; readonly words: readonly Word[]; readonly redirects: readonly Redirect[] }
  | { readonly kind: 'subshell'; readonly list: List; readonly redirects: readonly Redirect[] }
  | {
      readonly kind: 'loop';
      /** `until`: the body runs while the condition fails; `while`: while it succeeds. */
      readonly until: boolean;
      readonly condition: List;
      readonly body: List;
      readonly redirects: readonly Redirect[];
    };

export interface AndOr {
  readonly first: Command;
  readonly rest: readonly { readonly op: '&&' | '||'; readonly command: Command }[];
}

export interface List {
  readonly items: readonly { readonly andOr: AndOr; readonly background: boolean }[];
}

export class ShellSyntaxError extends Error {
  override readonly name = 'ShellSyntaxError';
}

type Token =
  | { readonly kind: 'word'; readonly word: Word }
  | { readonly kind: 'op'; readonly op: string }
  | { readonly kind: 'redirect'; readonly fd: number; readonly op: Redirect['op'] };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let parts: WordPart[] = [];
  let text = '';
  let inWord = false;
  const flushText = () => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  const endWord = () => {
    if (!inWord) return;
    flushText();
    tokens.push({ kind: 'word', word: parts });
    parts = [];
    inWord = false;
  };
  const param = (): void => {
    // at source[i] === '$'
    const next = source[i + 1];
    if (next === '$' || next === '?' || next === '!' || next === '#' || next === '0') {
      flushText();
      parts.push({ kind: 'param', name: next });
      i += 2;
      return;
    }
    if (next === '{') {
      const close = source.indexOf('}', i + 2);
      const name = close === -1 ? '' : source.slice(i + 2, close);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new ShellSyntaxError(`unsupported expansion \${${name}}`);
      flushText();
      parts.push({ kind: 'param', name });
      i = close + 1;
      return;
    }
    if (next === '(') throw new ShellSyntaxError('command substitution $( ) is not modelled');
    if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < source.length && NAME_CHAR.test(source[j] as string)) j++;
      flushText();
      parts.push({ kind: 'param', name: source.slice(i + 1, j) });
      i = j;
      return;
    }
    text += '$';
    i++;
  };

  while (i < source.length) {
    const c = source[i] as string;
    if (c === "'") {
      const close = source.indexOf("'", i + 1);
      if (close === -1) throw new ShellSyntaxError('unterminated quoted string');
      inWord = true;
      text += source.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= source.length) throw new ShellSyntaxError('unterminated quoted string');
        const d = source[i] as string;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && '$`"\\\n'.includes(source[i + 1] ?? '')) {
          if (source[i + 1] !== '\n') text += source[i + 1];
          i += 2;
        } else if (d === '$') {
          param();
        } else if (d === '`') {
          throw new ShellSyntaxError('command substitution ` ` is not modelled');
        } else {
          text += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (source[i + 1] === '\n') {
        i += 2;
      } else {
        inWord = true;
        text += source[i + 1] ?? '';
        i += 2;
      }
    } else if (c === '$') {
      inWord = true;
      param();
    } else if (c === '`') {
      throw new ShellSyntaxError('command substitution ` ` is not modelled');
    } else if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === '#' && !inWord) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      endWord();
      const two = source.slice(i, i + 2);
      if (two === '&&' || two === '||' || two === ';;') {
        tokens.push({ kind: 'op', op: two });
        i += 2;
      } else {
        tokens.push({ kind: 'op', op: c });
        i++;
      }
    } else if (c === '>' || c === '<') {
      // An all-digit word right before a redirection is its file descriptor (`2>`).
      let fd = c === '>' ? 1 : 0;
      if (inWord && parts.length === 0 && /^\d$/.test(text)) {
        fd = Number(text);
        text = '';
        inWord = false;
      }
      endWord();
      let op: Redirect['op'];
      if (source.startsWith('>>', i)) {
        op = '>>';
        i += 2;
      } else if (source.startsWith('>&', i)) {
        op = '>&';
        i += 2;
      } else if (source.startsWith('<&', i) || source.startsWith('<<', i) || source.startsWith('<>', i)) {
        throw new ShellSyntaxError(`redirection ${source.slice(i, i + 2)} is not modelled`);
      } else {
        op = c === '>' ? '>' : '<';
        i++;
      }
      tokens.push({ kind: 'redirect', fd, op });
    } else {
      inWord = true;
      text += c;
      i++;
    }
  }
  endWord();
  return tokens;
}

const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'case',
  'esac',
  '{',
  '}',
  '!',
]);

function literal(word: Word): string | null {
  return word.every((part) => part.kind === 'text')
    ? word.map((p) => (p as { text: string }).text).join('')
    : null;
}

/** Parses a script (`sh -c` text) into its list of commands. */
export function parseShell(source: string): List {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (op: string) => {
    const token = peek();
    return token?.kind === 'op' && token.op === op;
  };
  /** A reserved word where a command would start (`do`, `done`). */
  const isWord = (word: string) => {
    const token = peek();
    return token?.kind === 'word' && literal(token.word) === word;
  };
  const expectWord = (word: string) => {
    if (!isWord(word)) throw new ShellSyntaxError(`missing '${word}'`);
    at++;
  };
  const skipNewlines = () => {
    while (isOp('\n')) at++;
  };

  const redirects = (into: Redirect[]): void => {
    for (;;) {
      const token = peek();
      if (token?.kind !== 'redirect') return;
      at++;
      const target = peek();
      if (target?.kind !== 'word') throw new ShellSyntaxError(`a redirection without a target`);
      at++;
      into.push({ fd: token.fd, op: token.op, target: target.word });
    }
  };

  const command = (): Command => {
    if (isWord('while') || isWord('until')) {
      const until = isWord('until');
      at++;
      const condition = list([], ['do']);
      expectWord('do');
      const body = list([], ['done']);
      expectWord('done');
      const redirs: Redirect[] = [];
      redirects(redirs);
      return { kind: 'loop', until, condition, body, redirects: redirs };
    }
    if (isOp('(')) {
      at++;
      const inner = list([')']);
      if (!isOp(')')) throw new ShellSyntaxError('missing )');
      at++;
      const redirs: Redirect[] = [];
      redirects(redirs);
      return { kind: 'subshell', list: inner, redirects: redirs };
    }
    const words: Word[] = [];
    const redirs: Redirect[] = [];
    for (;;) {
      const token = peek();
      if (token?.kind === 'word') {
        const text = words.length === 0 ? literal(token.word) : null;
        if (text !== null && RESERVED.has(text)) throw new ShellSyntaxError(`'${text}' is not modelled`);
        words.push(token.word);
        at++;
      } else if (token?.kind === 'redirect') {
        redirects(redirs);
      } else {
        break;
      }
    }
    if (isOp('|')) throw new ShellSyntaxError('pipelines are not modelled');
    if (words.length === 0 && redirs.length === 0) {
      const token = peek();
      throw new ShellSyntaxError(
        `syntax error near ${token === undefined ? 'end of input' : token.kind === 'op' ? `'${token.op}'` : 'a word'}`,
      );
    }
    return { kind: 'simple', words, redirects: redirs };
  };

  const andOr = (): AndOr => {
    const first = command();
    const rest: { op: '&&' | '||'; command: Command }[] = [];
    for (;;) {
      const op = isOp('&&') ? '&&' : isOp('||') ? '||' : null;
      if (op === null) return { first, rest };
      at++;
      skipNewlines();
      rest.push({ op, command: command() });
    }
  };

  const list = (closers: readonly string[], closerWords: readonly string[] = []): List => {
    const items: { andOr: AndOr; background: boolean }[] = [];
    const closed = () => closers.some(isOp) || closerWords.some(isWord);
    skipNewlines();
    while (at < tokens.length && !closed()) {
      const item = andOr();
      let background = false;
      if (isOp('&')) {
        background = true;
        at++;
      } else if (isOp(';') || isOp('\n')) {
        at++;
      } else if (at < tokens.length && !closed()) {
        const token = peek();
        throw new ShellSyntaxError(`syntax error near ${token?.kind === 'op' ? `'${token.op}'` : 'a word'}`);
      }
      items.push({ andOr: item, background });
      skipNewlines();
    }
    return { items };
  };

  const parsed = list([]);
  if (at < tokens.length) throw new ShellSyntaxError('syntax error');
  return parsed;
}
