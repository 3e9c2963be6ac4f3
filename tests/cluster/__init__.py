"""`make test-cluster`: the k8s/ overlays on a real Kubernetes control plane (kwok nodes)."""
