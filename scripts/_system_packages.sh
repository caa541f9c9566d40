# Sourced by scripts/test.sh: the Debian packages the test suite needs that this machine lacks.
#   chromium        the browser tests (tests/browser)
#   nginx           tests/test_nginx.py
#   fonts-noto-cjk  Chinese text in the browser tests' screenshots (without a CJK font it renders as boxes)
# missing_system_packages prints the missing ones, space-separated (nothing when all are there).
# CHROMIUM_PATH / NGINX_PATH point elsewhere, as the tests do.
has_chinese_font() {
  if command -v fc-list >/dev/null 2>&1; then
    [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n1)" ]
  else
    dpkg -s fonts-noto-cjk >/dev/null 2>&1
  fi
}

missing_system_packages() {
  local missing=()
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
  [ -x "${NGINX_PATH:-/usr/sbin/nginx}" ] || missing+=(nginx)
  has_chinese_font || missing+=(fonts-noto-cjk)
  echo "${missing[*]}"
}
