// An example of alert-driven failover: a Service Health alert on Azure Databricks incidents in
// the primary region, sent to the app's POST /api/alerts. The app queues a failover only for
// rules named in DR_ALERT_RULES (the default names this rule) and only as DR_ALERT_ACTION says.
param functionAppName string
param actionGroupName string
param alertRuleName string
param primaryRegion string
param serviceHealthServiceName string
param tags object

resource site 'Microsoft.Web/sites@2023-12-01' existing = {
  name: functionAppName
}

// The host's default function key: /api/alerts has authLevel "function". Assumption: the
// host has started and created its keys by the time this runs (it starts when the site is
// created, before any code is deployed). If provisioning fails here on a first deployment,
// run `azd provision` again, or deploy with enableExampleAlert=false and add the alert later.
// When the key is rotated, run `azd provision` again to update the action group.
var functionKey = listKeys('${site.id}/host/default', '2023-12-01').functionKeys.default

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'databricksdr'
    enabled: true
    webhookReceivers: [
      {
        name: 'databricks-dr-alerts'
        serviceUri: 'https://${site.properties.defaultHostName}/api/alerts?code=${functionKey}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

resource serviceHealthAlert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: alertRuleName
  location: 'global'
  tags: tags
  properties: {
    description: 'An Azure Databricks service incident in ${primaryRegion}, the primary workspace\'s region. Sent to databricks-dr, which queues a failover when DR_ALERT_RULES names this rule.'
    enabled: true
    scopes: [
      subscription().id
    ]
    condition: {
      allOf: [
        {
          field: 'category'
          equals: 'ServiceHealth'
        }
        {
          field: 'properties.incidentType'
          equals: 'Incident'
        }
        {
          field: 'properties.impactedServices[*].ServiceName'
          containsAny: [
            serviceHealthServiceName
          ]
        }
        {
          field: 'properties.impactedServices[*].ImpactedRegions[*].RegionName'
          containsAny: [
            primaryRegion
          ]
        }
      ]
    }
    actions: {
      actionGroups: [
        {
          actionGroupId: actionGroup.id
        }
      ]
    }
  }
}

output actionGroupId string = actionGroup.id
output alertRuleId string = serviceHealthAlert.id
