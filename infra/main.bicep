// aks-snat-responder: the Functions app, its storage, secrets and telemetry, its access to one AKS cluster,
// and the alert wiring on that cluster's load balancer. `azd up` deploys it (see docs/deploy.md).
//
// Layout after Azure-Samples/durable-functions-quickstart-typescript-azd (subscription-scope main.bicep
// creating the resource group, modules under app/, azd parameters from the environment); plain resources
// rather than AVM registry modules, so that every property can be read and checked here.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region of the responder (one where Flex Consumption is offered). The cluster may be in another.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource ID of the AKS cluster to watch: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>.')
param aksClusterResourceId string

@secure()
@description('The Teams Workflows webhook URL ("When a Teams webhook request is received"). Kept in Key Vault; empty: findings are archived but no card is posted.')
param teamsWebhookUrl string = ''

@minValue(1)
@description('Alert when a node has used more SNAT ports than this (average over 5 minutes). Default: 90% of 1,024, the allocation per node of clusters up to 50 nodes; set it to 90% of your allocatedOutboundPorts.')
param usedSnatPortsThreshold int = 921

@minValue(0)
@description('Alert when a node has more failed SNAT connections than this in 5 minutes.')
param failedSnatConnectionsThreshold int = 0

@minValue(1)
@maxValue(600)
@description('How long tcptracer runs on the node, in seconds (AKS_SNAT_TRACE_SECONDS).')
param traceSeconds int = 30

@minValue(0)
@maxValue(1440)
@description('After an investigation of a node, further alerts for it start nothing for this many minutes (AKS_SNAT_COOLDOWN_MINUTES).')
param cooldownMinutes int = 15

@minLength(1)
@maxLength(63)
@description('Namespace of the debug pod. It must be the namespace of infra/k8s/ (aks-snat-responder unless you edit both).')
param debugNamespace string = 'aks-snat-responder'

@minLength(1)
@description('Image of the debug pod: a small image with a shell; the tools come from the node. Pulled only if absent. Named in one place, infra/debug-image.txt (pin its digest there), which the pre-pull DaemonSet of infra/k8s/ takes too.')
param debugImage string = trim(loadTextContent('debug-image.txt'))

@description('Comma-separated CIDRs that do not use SNAT beyond the built-in private ranges: VNet, peered VNets, pod and service CIDRs.')
param privateCidrs string = ''

@minLength(3)
@maxLength(63)
@description('Blob container of the archived evidence (private).')
param archiveContainerName string = 'snat-findings'

@minValue(1)
@description('Days an investigation\'s archived evidence is kept before the lifecycle rule deletes it.')
param archiveRetentionDays int = 30

@description('The cluster uses Azure RBAC for Kubernetes authorization: also grant the identity the data-plane roles through Azure RBAC (infra/k8s/ is then optional).')
param aksAzureRbac bool = false

@description('Create the action group and the metric alerts. Off on the first provision: the alert function\'s key exists only once the code is deployed (the postdeploy hook turns it on).')
param wireAlerts bool = false

@minValue(40)
@maxValue(1000)
@description('Most instances Flex Consumption may scale out to. 40 is the plan\'s minimum; an investigation needs one.')
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// /subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ContainerService/managedClusters/{2}: parameter
// values, so they can scope the modules below.
var clusterIdParts = split(aksClusterResourceId, '/')
var clusterSubscriptionId = clusterIdParts[2]
var clusterResourceGroup = clusterIdParts[4]
var clusterName = clusterIdParts[8]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: clusterName
  scope: resourceGroup(clusterSubscriptionId, clusterResourceGroup)
}

// AKS keeps the `kubernetes` load balancer, with the SNAT metrics, in the node resource group.
var loadBalancerId = '/subscriptions/${clusterSubscriptionId}/resourceGroups/${aks.properties.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes'

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-snat-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stsnat${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    archiveContainerName: archiveContainerName
    archiveRetentionDays: archiveRetentionDays
    principalId: identity.outputs.principalId
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-snat-${resourceToken}'
    applicationInsightsName: 'appi-snat-${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-snat-${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    teamsWebhookUrl: teamsWebhookUrl
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'func-snat-${resourceToken}'
    planName: 'plan-snat-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    archiveContainerName: storage.outputs.archiveContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    teamsSecretName: keyVault.outputs.teamsSecretName
    traceSeconds: traceSeconds
    cooldownMinutes: cooldownMinutes
    debugNamespace: debugNamespace
    debugImage: debugImage
    privateCidrs: privateCidrs
    maximumInstanceCount: maximumInstanceCount
  }
}

// Access to the cluster, in the cluster's own resource group (and, nested, its node resource group).
module clusterAccess 'app/cluster-access.bicep' = {
  name: 'aks-snat-cluster-access-${resourceToken}'
  scope: resourceGroup(clusterSubscriptionId, clusterResourceGroup)
  params: {
    clusterName: clusterName
    nodeResourceGroup: aks.properties.nodeResourceGroup
    principalId: identity.outputs.principalId
    aksAzureRbac: aksAzureRbac
    debugNamespace: debugNamespace
    deploymentSuffix: resourceToken
  }
}

module alerts 'app/alerts.bicep' = if (wireAlerts) {
  name: 'alerts'
  scope: rg
  params: {
    clusterName: clusterName
    loadBalancerId: loadBalancerId
    functionAppName: functionApp.outputs.name
    usedSnatPortsThreshold: usedSnatPortsThreshold
    failedSnatConnectionsThreshold: failedSnatConnectionsThreshold
    tags: tags
  }
}

// azd keeps these in .azure/<env>/.env; docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AKS_SNAT_FUNCTION_APP_NAME string = functionApp.outputs.name
output AKS_SNAT_ALERT_ENDPOINT string = '${functionApp.outputs.url}/api/alerts/snat'
output AKS_SNAT_RERUN_ENDPOINT string = '${functionApp.outputs.url}/api/investigations'
output AKS_SNAT_STATUS_ENDPOINT string = '${functionApp.outputs.url}/api/investigations/{id}'
@description('Object (principal) ID of the responder\'s managed identity: the subject of the bindings in infra/k8s/.')
output AKS_SNAT_PRINCIPAL_ID string = identity.outputs.principalId
output AKS_SNAT_ARCHIVE_URL string = '${storage.outputs.blobEndpoint}${storage.outputs.archiveContainerName}'
output AKS_SNAT_LOAD_BALANCER_ID string = loadBalancerId
output AKS_SNAT_ACTION_GROUP_ID string = wireAlerts ? alerts.outputs.actionGroupId : ''
