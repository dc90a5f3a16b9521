#!/usr/bin/env bash
# Installs Debian packages with apt-get, as root or through sudo, or says
# which are missing and how to get them, and exits 1. The callers
# (test/system-packages.sh, bench/system-packages.sh) decide what is missing.
# Usage: install-packages.sh WHAT [PACKAGE ...]   (WHAT names the caller in messages)
set -euo pipefail

what=$1
shift
if [ $# -eq 0 ]; then
  echo "$what: all present"
  exit 0
fi

have() { command -v "$1" >/dev/null 2>&1; }
if ! have apt-get; then
  echo "$what missing: $*; install them with your package manager" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then sudo=(sudo); else
    echo "$what missing: $*; run as root or install sudo, or install them yourself (apt-get install $*)" >&2
    exit 1
  fi
fi

echo "$what: installing $*"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@"
