/**
 * What a finding says of a Windows node: bcc's tcptracer is Linux-only (eBPF), so there is no trace and no
 * debug pod, and the runbook's own Windows steps are given to run by hand ("Troubleshoot SNAT port
 * exhaustion on AKS nodes", the "For a Windows pod" tab: `kubectl exec -it <pod> -- cmd.exe`, then
 * `netstat -aon | find /i "established"`).
 */
export function windowsNodeWarnings(node: { readonly name: string; readonly osImage?: string }): string[] {
  const image = node.osImage === undefined ? '' : ` (${node.osImage})`;
  return [
    `node ${node.name} runs Windows${image}: bcc's tcptracer is Linux-only, so no debug pod was started and nothing was traced`,
    `by hand, as the runbook does for Windows pods: list the node's pods with \`kubectl get pods -A -o wide --field-selector spec.nodeName=${node.name}\`, then in each \`kubectl exec -it -n <namespace> <pod> -- cmd.exe\` and \`netstat -aon | find /i "established"\`; the pod with the most ESTABLISHED connections to public IPs is the likely culprit`,
  ];
}
