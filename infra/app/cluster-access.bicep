// Deployed into the cluster's resource group: what the responder may do with the one cluster.
//  - Azure Kubernetes Service Cluster User Role on the cluster: read it (find it, its outbound profile) and
//    list its user credentials. On an Entra ID cluster those carry no rights of their own: the Kubernetes
//    rights come from infra/k8s/ (or, with aksAzureRbac, from the data-plane roles below).
//  - Monitoring Reader on its `kubernetes` load balancer, in the node resource group (nested module).
param clusterName string
@description('The cluster\'s node resource group, where AKS keeps the `kubernetes` load balancer.')
param nodeResourceGroup string
@description('Principal (object) ID of the responder\'s managed identity.')
param principalId string
@description('Grant the Kubernetes rights through Azure RBAC too (clusters with Azure RBAC for Kubernetes authorization).')
param aksAzureRbac bool
param debugNamespace string
@description('Makes the nested deployment\'s name unique per responder environment.')
param deploymentSuffix string

// Azure Kubernetes Service Cluster User Role: managedClusters/read and listClusterUserCredential/action.
var aksClusterUserRole = '4abbcc35-e782-43d8-92c5-2d3473bc9d9e'

resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: clusterName
}

resource clusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(aks.id, principalId, aksClusterUserRole)
  scope: aks
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aksClusterUserRole)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-snat-responder: read the cluster, get user credentials'
  }
}

module loadBalancerAccess 'load-balancer-access.bicep' = {
  name: 'aks-snat-lb-access-${deploymentSuffix}'
  scope: resourceGroup(nodeResourceGroup)
  params: {
    principalId: principalId
  }
}

// Azure RBAC for Kubernetes: the built-in data-plane roles are too wide (RBAC Writer reaches secrets), so
// two custom roles carry exactly what infra/k8s/ grants: reads of nodes and pods across the cluster, and
// pods (create, delete, logs, exec) in the responder's namespace only.
resource clusterReadsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (aksAzureRbac) {
  name: guid(aks.id, 'aks-snat-responder', 'cluster-reads')
  properties: {
    roleName: 'aks-snat-responder cluster reads (${clusterName})'
    description: 'Get and list nodes and pods: find the alerting node and the pods on it.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.ContainerService/managedClusters/nodes/read'
          'Microsoft.ContainerService/managedClusters/pods/read'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource debugPodsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (aksAzureRbac) {
  name: guid(aks.id, 'aks-snat-responder', 'debug-pods')
  properties: {
    roleName: 'aks-snat-responder debug pods (${clusterName})'
    description: 'Create, read, delete pods, read their logs and exec into them: the responder\'s debug pod, in its namespace.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.ContainerService/managedClusters/pods/*'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource clusterReads 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (aksAzureRbac) {
  name: guid(aks.id, principalId, 'aks-snat-responder', 'cluster-reads')
  scope: aks
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterReadsRole.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-snat-responder: get/list nodes and pods'
  }
  dependsOn: [clusterReadsRole]
}

// The namespace as an Azure RBAC scope (…/managedClusters/<name>/namespaces/<ns>); no ARM call is made for
// it. The type has no Bicep type definition, hence the suppressed warning (as in mspnp/aks-baseline).
#disable-next-line BCP081
resource debugNamespaceScope 'Microsoft.ContainerService/managedClusters/namespaces@2022-01-02-preview' existing = {
  parent: aks
  name: debugNamespace
}

resource debugPods 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (aksAzureRbac) {
  name: guid(aks.id, principalId, 'aks-snat-responder', 'debug-pods', debugNamespace)
  scope: debugNamespaceScope
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', debugPodsRole.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-snat-responder: the debug pod in its namespace'
  }
  dependsOn: [debugPodsRole]
}
