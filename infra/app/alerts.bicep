// The alert wiring: two metric alerts on the cluster's `kubernetes` load balancer, split by
// BackendIPAddress so that each node alerts (and is investigated) on its own, calling the alert function
// through an action group with the common alert schema.
//
// Deployed once the code is (wireAlerts): the function key below exists only when the host has started.
param clusterName string
@description('The cluster\'s `kubernetes` load balancer (in the node resource group).')
param loadBalancerId string
param functionAppName string
param usedSnatPortsThreshold int
param failedSnatConnectionsThreshold int
param tags object

// The function the action group calls (src/functions/index.ts: app.http('snatAlert', route alerts/snat)).
var alertFunctionName = 'snatAlert'
var alertRoute = 'alerts/snat'

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// A key of the alert function alone: it opens the alert webhook, not the rerun or status endpoints. The
// action group keeps the URL with its key; rotating the key means deploying this module again.
var alertKey = listKeys('${site.id}/functions/${alertFunctionName}', '2024-04-01').default

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-snat-${clusterName}'
  location: 'global'
  tags: tags
  properties: {
    enabled: true
    groupShortName: 'aks-snat'
    azureFunctionReceivers: [
      {
        name: 'aks-snat-responder'
        functionAppResourceId: site.id
        functionName: alertFunctionName
        httpTriggerUrl: 'https://${site.properties.defaultHostName}/api/${alertRoute}?code=${alertKey}'
        useCommonAlertSchema: true
      }
    ]
  }
}

// Every node of the load balancer's backend pool, each one its own alert.
var perNode = {
  name: 'BackendIPAddress'
  operator: 'Include'
  values: ['*']
}

resource failedConnections 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'snat-failed-connections-${clusterName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Failed SNAT connections on an AKS node (${clusterName}): its outbound connections are failing. Starts aks-snat-responder for the node.'
    severity: 1
    enabled: true
    scopes: [loadBalancerId]
    targetResourceType: 'Microsoft.Network/loadBalancers'
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'FailedSnatConnections'
          metricNamespace: 'Microsoft.Network/loadBalancers'
          metricName: 'SnatConnectionCount'
          dimensions: [
            perNode
            {
              name: 'ConnectionState'
              operator: 'Include'
              values: ['failed']
            }
          ]
          operator: 'GreaterThan'
          threshold: failedSnatConnectionsThreshold
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

resource usedPorts 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'snat-ports-high-${clusterName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'SNAT ports used on an AKS node (${clusterName}) above ${usedSnatPortsThreshold}: exhaustion is near. Starts aks-snat-responder for the node.'
    severity: 2
    enabled: true
    scopes: [loadBalancerId]
    targetResourceType: 'Microsoft.Network/loadBalancers'
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'UsedSnatPorts'
          metricNamespace: 'Microsoft.Network/loadBalancers'
          metricName: 'UsedSnatPorts'
          dimensions: [perNode]
          operator: 'GreaterThan'
          threshold: usedSnatPortsThreshold
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

output actionGroupId string = actionGroup.id
