#!/usr/bin/env bash
# Install the system packages the tracker needs, where we can (Debian/Ubuntu as root: apt);
# otherwise stop with the exact command to run.   usage: system-deps.sh [runtime|test]
set -euo pipefail
mode=${1:-runtime}

pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }

need=()
major=$(pg_major)
if [ -z "$major" ] || [ ! -x "/usr/lib/postgresql/$major/bin/initdb" ]; then
  need+=(postgresql postgresql-contrib)
  major=""
fi
if [ -z "$major" ] || ! ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1; then
  # postgis pulls the postgresql-N-postgis-3 package matching the default server
  need+=(postgis)
fi
# the 调度通报's PDF and map picture need a Chinese font (matplotlib finds it offline)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || ls /usr/share/fonts/opentype/noto/NotoSansCJK* \
  >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ "$mode" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  # a newer default server than the postgis package needs: install the matching postgis
  major=$(pg_major)
  if ! ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1; then
    apt-get install -y -q --no-install-recommends "postgresql-$major-postgis-3" >/dev/null
  fi
  exit 0
fi
echo "Missing system packages: ${need[*]}. Install them, then run make again:" >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "    sudo apt-get install -y ${need[*]}" >&2
else
  echo "    (use your system's package manager to install PostgreSQL with PostGIS 3${mode:+, Chromium, GDAL})" >&2
fi
exit 1
