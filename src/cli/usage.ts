/** Each command's usage line: printed by `aks-snat help` and in that command's own errors. */
export const ANALYZE_USAGE =
  'aks-snat analyze --trace FILE [--sockets NS/POD=FILE]... [--private-cidr CIDR]... [--json]';
export const INVESTIGATE_USAGE =
  'aks-snat investigate --cluster RESOURCE_ID (--node-ip IP | --node NAME) [--trace-seconds N] [--out DIR] [--namespace NS] [--image IMAGE] [--json]';
export const DEMO_USAGE =
  'aks-snat demo [--scenario FILE] [--node-ip IP] [--trace-seconds N] [--out DIR] [--json]';
export const SIM_SERVE_USAGE = 'aks-snat sim serve --scenario FILE [--port N] --kubeconfig PATH';
export const ALERT_USAGE = 'aks-snat alert FILE [--json]';
