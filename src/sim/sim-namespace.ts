/** The namespace the responder's debug pods go to, which the simulated cluster has ready. */
export const SIM_DEBUG_NAMESPACE = 'aks-snat-responder';
