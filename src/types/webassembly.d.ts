// The part of the WebAssembly JS API the tcptracer kernel uses. Node has it all; TypeScript declares it
// only in the DOM library, which a server has no business including.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
  }
}
