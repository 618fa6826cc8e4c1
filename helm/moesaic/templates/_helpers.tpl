{{/* Names and labels shared by every object of the release. */}}

{{- define "moesaic.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "moesaic.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "moesaic.selectorLabels" -}}
app.kubernetes.io/name: {{ include "moesaic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "moesaic.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "moesaic.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "moesaic.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "moesaic.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding MOESAIC_API_KEYS and MOESAIC_ADMIN_TOKEN, or "" when there is none. */}}
{{- define "moesaic.secretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else if or .Values.auth.apiKeys .Values.auth.adminToken }}
{{- include "moesaic.fullname" . }}
{{- end }}
{{- end }}

{{/* Grace period: the configured one, or preStop sleep + drain timeout + 10 s of slack. */}}
{{- define "moesaic.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shutdown }}
{{- $needed := add $s.preStopSleepSeconds $s.drainTimeoutSeconds }}
{{- if kindIs "invalid" $s.terminationGracePeriodSeconds }}
{{- add $needed 10 }}
{{- else if lt (int $s.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds=%v is shorter than shutdown.preStopSleepSeconds + shutdown.drainTimeoutSeconds = %v: Kubernetes would kill running streams mid-drain. Raise it to at least %v or leave it empty to compute it." $s.terminationGracePeriodSeconds $needed $needed) }}
{{- else }}
{{- $s.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* Startup probe failures allowed: enough periods to cover probes.startup.modelLoadSeconds. */}}
{{- define "moesaic.startupFailureThreshold" -}}
{{- $p := .Values.probes.startup }}
{{- div (add $p.modelLoadSeconds $p.periodSeconds -1) $p.periodSeconds }}
{{- end }}

{{/* Refuse value combinations that would render objects fighting each other. */}}
{{- define "moesaic.validate" -}}
{{- if and .Values.hpa.enabled .Values.keda.enabled }}
{{- fail "hpa.enabled and keda.enabled are both true: KEDA creates its own HorizontalPodAutoscaler, so two would fight over the replica count. Enable one of them." }}
{{- end }}
{{- if and .Values.server.autoscale.enabled (gt (int .Values.server.autoscale.minDevices) (int .Values.server.autoscale.maxDevices)) }}
{{- fail (printf "server.autoscale.minDevices=%v is above maxDevices=%v." .Values.server.autoscale.minDevices .Values.server.autoscale.maxDevices) }}
{{- end }}
{{- end }}
