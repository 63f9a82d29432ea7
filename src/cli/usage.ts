/** Each command's usage line: printed by `aks-snat help` and in that command's own errors. */
export const ANALYZE_USAGE =
  'aks-snat analyze --trace FILE [--sockets NS/POD=FILE]... [--private-cidr CIDR]... [--json]';
