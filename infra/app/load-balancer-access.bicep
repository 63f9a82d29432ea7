// Deployed into the cluster's node resource group: read the `kubernetes` load balancer's SNAT metrics.
@description('Principal (object) ID of the responder\'s managed identity.')
param principalId string

// Monitoring Reader: metrics and metric definitions of the one load balancer (read-only).
var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource loadBalancer 'Microsoft.Network/loadBalancers@2023-11-01' existing = {
  name: 'kubernetes'
}

resource metricsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(loadBalancer.id, principalId, monitoringReader)
  scope: loadBalancer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-snat-responder: SNAT metrics of the cluster load balancer'
  }
}
