// The Teams Workflows webhook URL is a secret (whoever holds it posts to the channel): it lives in Key Vault
// and reaches the app only as a Key Vault reference app setting, resolved by the platform.
param name string
param location string
param tags object
@description('Principal (object) ID of the responder\'s managed identity.')
param principalId string
@secure()
param teamsWebhookUrl string

// Key Vault Secrets User: read a secret's value, nothing else.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var teamsSecretName = 'teams-webhook-url'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: teamsSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'Teams Workflows webhook URL'
  }
}

// Scoped to the one secret, not the vault.
resource secretsUserRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(teamsWebhookUrl)) {
  name: guid(vault.id, teamsSecretName, principalId, keyVaultSecretsUser)
  scope: teamsSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-snat-responder: read the Teams webhook URL'
  }
}

output name string = vault.name
@description('Name of the secret holding the Teams webhook URL; empty when none was given.')
output teamsSecretName string = empty(teamsWebhookUrl) ? '' : teamsSecretName
