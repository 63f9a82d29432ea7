// The Functions app on Flex Consumption (FC1), Node 22, running as the user-assigned identity. Every app
// setting is written in the block marked below; test/unit/infra-app-settings.test.ts reads that block and
// holds it to the settings src/functions/config.ts reads.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param archiveContainerName string
param applicationInsightsConnectionString string
param keyVaultName string
@description('Secret holding the Teams webhook URL; empty: no card is posted, so the setting is left out.')
param teamsSecretName string
param traceSeconds int
param cooldownMinutes int
param debugNamespace string
param debugImage string
param privateCidrs string
param maximumInstanceCount int

// azd deploys the service named in azure.yaml to the site carrying this tag.
var azdServiceName = 'responder'

// --- app settings: begin ---
var hostSettings = {
  // The host's storage and the Durable task hub, through the identity (no connection string, no key).
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  // Telemetry with Entra ID authentication (the component has local auth off).
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}
var responderSettings = {
  AZURE_CLIENT_ID: identityClientId
  // The account URL, never a connection string: the archive is written as the identity.
  AKS_SNAT_ARCHIVE_ACCOUNT_URL: storageBlobEndpoint
  AKS_SNAT_ARCHIVE_CONTAINER: archiveContainerName
  AKS_SNAT_TRACE_SECONDS: string(traceSeconds)
  AKS_SNAT_COOLDOWN_MINUTES: string(cooldownMinutes)
  AKS_SNAT_DEBUG_NAMESPACE: debugNamespace
  AKS_SNAT_DEBUG_IMAGE: debugImage
  AKS_SNAT_PRIVATE_CIDRS: privateCidrs
}
// Set only when there is a secret: an unresolved reference would reach the app as text and fail its check.
var teamsReference = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${teamsSecretName})'
var teamsSettings = empty(teamsSecretName) ? {} : { AKS_SNAT_TEAMS_WEBHOOK_URL: teamsReference }
// --- app settings: end ---

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references are resolved as the user-assigned identity (there is no system-assigned one).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, responderSettings, teamsSettings)
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
