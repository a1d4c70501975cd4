{{/* Chart name, or nameOverride. */}}
{{- define "ats-connector.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: fullnameOverride, else the release name if it contains the chart name, else
"<release>-<chart>". Release "ats-connector" gives "ats-connector", as in deploy/kubernetes/base. */}}
{{- define "ats-connector.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ats-connector.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: never change them on an installed release (selectors are immutable). */}}
{{- define "ats-connector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ats-connector.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ats-connector.labels" -}}
helm.sh/chart: {{ include "ats-connector.chart" . }}
{{ include "ats-connector.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: connector
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ats-connector.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ats-connector.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "ats-connector.secretName" -}}
{{- default (printf "%s-credentials" (include "ats-connector.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/* Checks of the config that the chart's objects depend on; rendered into nothing. */}}
{{- define "ats-connector.validate" -}}
{{- $c := .Values.config -}}
{{- if not $c.connections -}}
{{- fail "config.connections: at least one connection is required (docs/configuration.md)" -}}
{{- end -}}
{{- if not (($c.kafka | default dict).bootstrap_servers) -}}
{{- fail "config.kafka.bootstrap_servers is required: `ats-connector run` refuses to start without the Kafka brokers (docs/configuration.md)" -}}
{{- end -}}
{{- $grace := int (default 25 $c.shutdown_grace_s) -}}
{{- if le (int .Values.terminationGracePeriodSeconds) $grace -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.shutdown_grace_s (%d), or the kubelet kills the connector before it has stopped cleanly" (int .Values.terminationGracePeriodSeconds) $grace) -}}
{{- end -}}
{{- $snapshot := required "config.snapshot.path is required: a directory under /var/lib/ats-connector (the PVC)" (($c.snapshot | default dict).path) -}}
{{- if not (hasPrefix "/var/lib/ats-connector/" $snapshot) -}}
{{- fail (printf "config.snapshot.path (%s) must lie under /var/lib/ats-connector/, the snapshot volume: the root filesystem is read-only" $snapshot) -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.cluster.enabled) -}}
{{- fail (printf "replicaCount is %d but cluster.enabled is false: in single mode one process owns the RocksDB snapshot on its PVC, and a single-writer snapshot cannot be shared. Set cluster.enabled=true (replicas share the connections through Kafka, docs/operations.md#cluster-mode) or replicaCount=1" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if .Values.cluster.enabled -}}
{{- if hasKey $c "cluster" -}}
{{- fail "config.cluster is set: with cluster.enabled the chart renders the config's cluster: section from the cluster.* values; set them there" -}}
{{- end -}}
{{- if eq (toString (($c.kafka | default dict).bootstrap_servers)) "embedded" -}}
{{- fail "cluster.enabled needs a real Kafka cluster: config.kafka.bootstrap_servers is \"embedded\" (an in-process broker no other replica can reach)" -}}
{{- end -}}
{{- end -}}
{{- $listen := required "config.http.listen is required, e.g. 0.0.0.0:8080" (($c.http | default dict).listen) -}}
{{- if not (hasSuffix (printf ":%d" (int .Values.service.port)) $listen) -}}
{{- fail (printf "config.http.listen (%s) must use service.port (%d): the probes, the Service and the ServiceMonitor use that port" $listen (int .Values.service.port)) -}}
{{- end -}}
{{- end -}}

{{/* The connector's config file: `config`, plus in cluster mode its cluster: section (mode: kafka
and the cluster.* values but `enabled`). */}}
{{- define "ats-connector.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- if .Values.cluster.enabled -}}
{{- $cluster := omit .Values.cluster "enabled" -}}
{{- $_ := set $cluster "mode" "kafka" -}}
{{- $_ := set $config "cluster" $cluster -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}
