#!/usr/bin/env bash
# Prometheus (with promtool) and Alertmanager (with amtool) from the distribution's packages,
# extracted (apt-get download + dpkg -x, no install, so no service starts) into .local/ops/root.
# The .debs are cached in .local/ops/debs. Prints the bin directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=.local/ops/root
debs=.local/ops/debs
bins=(prometheus promtool prometheus-alertmanager amtool)
have() { for b in "${bins[@]}"; do [ -x "$root/usr/bin/$b" ] || return 1; done; }
if ! have; then
  mkdir -p "$debs" "$root"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  for pkg in prometheus prometheus-alertmanager; do
    ls "$debs"/"${pkg}"_*.deb >/dev/null 2>&1 && continue
    # a fresh machine may have no package lists yet
    (cd "$debs" && apt-get download "$pkg" >/dev/null 2>&1) || {
      $sudo apt-get update -qq >/dev/null
      (cd "$debs" && apt-get download "$pkg" >/dev/null)
    }
  done
  for deb in "$debs"/prometheus_*.deb "$debs"/prometheus-alertmanager_*.deb; do dpkg -x "$deb" "$root"; done
  have || { echo "tools.sh: ${bins[*]} not all in $root/usr/bin after extracting" >&2; exit 1; }
fi
# Debian's Alertmanager reads its built-in templates from this fixed path (its patch
# 02-Do_not_embed_blobs): the one thing placed outside .local, two data files.
share=/usr/share/prometheus/alertmanager
if [ ! -f "$share/default.tmpl" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo mkdir -p "$share" && $sudo cp "$root$share"/*.tmpl "$share"/
fi
echo "$PWD/$root/usr/bin"
