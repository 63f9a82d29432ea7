/** Kubernetes names (DNS-1123), checked before they reach a path, a URL or a command line. */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace: a DNS-1123 label, at most 63 characters. */
export function isDns1123Label(text: string): boolean {
  return text.length <= 63 && LABEL.test(text);
}

/** A pod or node name: a DNS-1123 subdomain, dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(text: string): boolean {
  return text.length <= 253 && text.split('.').every(isDns1123Label);
}
