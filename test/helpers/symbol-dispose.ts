import { addAbortListener } from 'node:events';

/**
 * Jest runs each suite in its own VM realm, whose `Symbol` lacks the `Symbol.dispose` that Node 22 adds
 * to the main realm only. undici (under @kubernetes/client-node) calls
 * `events.addAbortListener(...)[Symbol.dispose]` after every fetch, which then fails with
 * "removeAbortListener is not a function". This gives the suite's realm Node's own symbol: importing
 * this file first makes client-node's HTTP calls work under Jest.
 */
const symbols = Symbol as { dispose?: symbol };
if (symbols.dispose === undefined) {
  const disposable = addAbortListener(new AbortController().signal, () => undefined);
  const [dispose] = Object.getOwnPropertySymbols(disposable);
  if (dispose !== undefined) Object.defineProperty(Symbol, 'dispose', { value: dispose });
}
