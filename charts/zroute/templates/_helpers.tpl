{{/*
Names and labels shared by every template. Resource names are derived from the release so two
releases in one cluster never collide (the webhook configuration and cluster roles are
cluster-scoped).
*/}}

{{- define "zroute.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Leaves room for the longest suffix ("-sidecar-injector") within 63 characters. */}}
{{- define "zroute.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 45 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "zroute.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "zroute.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zroute.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "zroute.labels" -}}
{{ include "zroute.commonLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* Labels of objects that belong to the release but not to the operator (the CRDs). */}}
{{- define "zroute.commonLabels" -}}
helm.sh/chart: {{ include "zroute.chart" . }}
app.kubernetes.io/name: {{ include "zroute.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: zroute
{{- end -}}

{{- define "zroute.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "zroute.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "zroute.operatorImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "zroute.sidecarImage" -}}
{{- printf "%s:%s" .Values.sidecar.image.repository (default .Chart.AppVersion .Values.sidecar.image.tag) -}}
{{- end -}}

{{/* Names the operator is told about, so RBAC resourceNames and its flags always agree. */}}
{{- define "zroute.webhookConfigName" -}}
{{- printf "%s-sidecar-injector" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.webhookServiceName" -}}
{{- printf "%s-webhook" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.webhookSecretName" -}}
{{- printf "%s-webhook-tls" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.webhookCertificateName" -}}
{{- printf "%s-webhook" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.controlServiceName" -}}
{{- printf "%s-control" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.metricsServiceName" -}}
{{- printf "%s-metrics" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.leaseName" -}}
{{- printf "%s-leader" (include "zroute.fullname" .) -}}
{{- end -}}

{{- define "zroute.curveSecretName" -}}
{{- default (printf "%s-curve" (include "zroute.fullname" .)) .Values.curve.secretName -}}
{{- end -}}

{{/* The endpoint injected sidecars connect to; the operator hands it to them. */}}
{{- define "zroute.controlEndpoint" -}}
{{- printf "tcp://%s.%s.svc:%d" (include "zroute.controlServiceName" .) .Release.Namespace (int .Values.ports.control) -}}
{{- end -}}
