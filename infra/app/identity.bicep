// The responder's one identity: the Functions host (storage, telemetry, Key Vault references) and the app
// (ARM, Monitor metrics, the cluster) all run as it. Its roles are granted where each resource is declared.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
