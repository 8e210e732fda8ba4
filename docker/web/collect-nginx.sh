#!/bin/sh
# Copies nginx, the shared libraries it loads and mime.types into $1, at their own paths, for the storefront's
# run-time image (docker/web.Dockerfile). glibc's libraries are left out: the run-time base has its own, of
# the same Debian release.
set -eu
out="$1"
nginx=/usr/sbin/nginx
[ -x "$nginx" ] || { echo "no $nginx in this image: NGINX_IMAGE must have nginx installed." >&2; exit 1; }
mkdir -p "$out/usr/sbin" "$out/etc/nginx"
cp "$nginx" "$out$nginx"
cp /etc/nginx/mime.types "$out/etc/nginx/mime.types"
ldd "$nginx" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | ld-linux*) continue ;;
  esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
# Where the static files go, owned by root and readable by all: the server never writes there.
mkdir -p "$out/usr/share/nginx/html"
"$nginx" -V 2>&1 | head -n 1
