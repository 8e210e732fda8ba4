#!/usr/bin/env bash
# Deploys the whole shop to a local kind cluster: creates the cluster, builds and loads the images, installs
# the operators (CloudNativePG, Strimzi, Prometheus Operator CRDs, Istio), creates the Secrets, applies
# k8s/overlays/kind, waits for every workload and runs a smoke test through the gateway on localhost:8080.
# Needs docker (or podman with KIND_EXPERIMENTAL_PROVIDER=podman), kind, kubectl 1.30+, helm, istioctl, node 24.
# Re-running it is safe: existing clusters, operators and Secrets are kept; Jobs are re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${KIND_CLUSTER:-shop}"
ENGINE="${CONTAINER_ENGINE:-docker}"
CNPG_VERSION="${CNPG_VERSION:-1.27.1}"
STRIMZI_VERSION="${STRIMZI_VERSION:-0.49.0}"
ISTIO_VERSION="${ISTIO_VERSION:-1.28.0}"
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
APPS=(auth product order payment payment-sandbox gateway)
NS=shop

step() { printf '\n[kind] %s\n' "$*"; }
fail() { printf '[kind] %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || fail "$1 is missing: $2"; }

need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need helm "https://helm.sh/docs/intro/install/"
need istioctl "https://istio.io/latest/docs/setup/getting-started/#download (version $ISTIO_VERSION)"
need node "Node 24 (see the README)"
need "$ENGINE" "install docker, or set CONTAINER_ENGINE=podman and KIND_EXPERIMENTAL_PROVIDER=podman"

if ! kind get clusters | grep -qx "$CLUSTER"; then
  step "creating the kind cluster $CLUSTER (the gateway on localhost:8080, the storefront on localhost:3000)"
  kind create cluster --name "$CLUSTER" --wait 120s --config - <<'KIND'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraPortMappings:
      - { containerPort: 30080, hostPort: 8080, listenAddress: 127.0.0.1 }
      - { containerPort: 30000, hostPort: 3000, listenAddress: 127.0.0.1 }
KIND
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

step "building the images (docker/Dockerfile per app, docker/web.Dockerfile) and loading them into kind"
for app in "${APPS[@]}"; do
  printf '[kind]   shop/%s:dev\n' "$app"
  "$ENGINE" build -q -f docker/Dockerfile --build-arg "APP=$app" -t "shop/$app:dev" . >/dev/null
  kind load docker-image --name "$CLUSTER" "shop/$app:dev"
done
if [ -f docker/web.Dockerfile ]; then
  "$ENGINE" build -q -f docker/web.Dockerfile -t shop/web:dev . >/dev/null
  kind load docker-image --name "$CLUSTER" shop/web:dev
else
  printf '[kind]   docker/web.Dockerfile is not there yet: the web Deployment will wait for its image\n'
fi

step "installing the operators"
helm repo add cnpg https://cloudnative-pg.github.io/charts >/dev/null
helm repo add strimzi https://strimzi.io/charts/ >/dev/null
helm repo update >/dev/null
helm upgrade --install cnpg cnpg/cloudnative-pg --version "${CNPG_VERSION#v}" \
  --namespace cnpg-system --create-namespace --wait
# Strimzi watches the shop namespace and sets the restricted Pod Security context on what it creates.
helm upgrade --install strimzi strimzi/strimzi-kafka-operator --version "$STRIMZI_VERSION" \
  --namespace strimzi --create-namespace --set "watchNamespaces={$NS}" \
  --set extraEnvs[0].name=STRIMZI_POD_SECURITY_PROVIDER_CLASS --set extraEnvs[0].value=restricted --wait
kubectl apply --server-side -f "https://github.com/prometheus-operator/prometheus-operator/releases/download/$PROMETHEUS_OPERATOR_VERSION/stripped-down-crds.yaml"
istioctl install -y --set profile=minimal --set "tag=$ISTIO_VERSION"
kubectl create namespace observability --dry-run=client -o yaml | kubectl apply -f - >/dev/null

step "creating the namespace and the Secrets (random values, made here; existing ones are kept)"
kubectl kustomize k8s/overlays/kind | node -e '
  let text = ""; process.stdin.on("data", (c) => (text += c)).on("end", () => {
    const docs = text.split(/^---$/m).filter((d) => /^kind: Namespace$/m.test(d));
    process.stdout.write(docs.join("---\n"));
  });' | kubectl apply --server-side -f -
if ! kubectl -n "$NS" get secret auth-signing-keys >/dev/null 2>&1; then
  node k8s/src/kind-secrets.ts | kubectl apply --server-side -f -
fi

step "applying k8s/overlays/kind (the migration and seed Jobs are re-run: a Job cannot change)"
kubectl -n "$NS" delete job -l 'app.kubernetes.io/component in (migration,seed)' --ignore-not-found
kubectl apply --server-side --force-conflicts -k k8s/overlays/kind

step "waiting for the data layer, the migrations, then every Deployment"
kubectl -n "$NS" wait --for=condition=Ready cluster.postgresql.cnpg.io --all --timeout=600s
kubectl -n "$NS" rollout status statefulset/redis --timeout=300s
kubectl -n "$NS" wait --for=condition=complete job/redis-cluster-create --timeout=300s
kubectl -n "$NS" wait --for=condition=Ready kafka/shop --timeout=900s
kubectl -n "$NS" wait --for=condition=complete job -l app.kubernetes.io/component=migration --timeout=600s
kubectl -n "$NS" wait --for=condition=complete job/product-seed --timeout=600s
for app in "${APPS[@]}"; do
  kubectl -n "$NS" rollout status "deployment/$app" --timeout=600s
done

step "smoke test through the gateway on localhost:8080"
ok=0
for _ in $(seq 1 30); do
  if curl -fsS http://127.0.0.1:8080/ready >/dev/null 2>&1; then ok=1; break; fi
  sleep 2
done
[ "$ok" = 1 ] || fail "the gateway does not answer /ready on localhost:8080: kubectl -n $NS logs deploy/gateway"
products=$(curl -fsS 'http://127.0.0.1:8080/api/v1/products?limit=1') ||
  fail "GET /api/v1/products failed: kubectl -n $NS logs deploy/product"
printf '[kind] GET /api/v1/products?limit=1 -> %s\n' "${products:0:200}"
step "done: the API on http://localhost:8080, the storefront on http://localhost:3000"
