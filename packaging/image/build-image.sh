#!/bin/bash
# Builds the cairn appliance image: a bootable Debian bookworm disk (raw, MBR; boots with BIOS
# through syslinux and with UEFI through systemd-boot) with a kernel, systemd, Docker, nginx, nftables, OpenSSH and the cairn package
# preinstalled, and a first-boot unit that reads the domain, admin email and SSH keys from
# cloud-init user data on a config drive (see firstboot.sh). Needs root, mmdebstrap, e2fsprogs,
# dosfstools, mtools, syslinux, systemd-boot-efi and Debian's package archive; nothing is mounted.
#
#   build-image.sh --deb cairn_<version>_amd64.deb --out cairn.img [--size 8G] [--cache DIR]
#                  [--mirror SOURCE]...
#
# Both halves are cached by the content hash of their inputs: the Debian root file system
# (package list and this script) and the finished image (that, the .deb and the first-boot
# files). A rerun with the same inputs only copies the cached image to --out.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
deb=""
out=""
size=8G
cache=${CAIRN_IMAGE_CACHE:-/var/cache/cairn-image}
mirrors=()

usage() {
  echo "usage: build-image.sh --deb FILE --out FILE [--size SIZE] [--cache DIR] [--mirror SOURCE]..." >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb=${2:-}; shift 2 ;;
    --out) out=${2:-}; shift 2 ;;
    --size) size=${2:-}; shift 2 ;;
    --cache) cache=${2:-}; shift 2 ;;
    --mirror) mirrors+=("${2:-}"); shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$deb" ] || { echo "build-image.sh: --deb FILE is required (build it with \`cmake --build build --target cairn_deb\`)" >&2; usage; }
[ -n "$out" ] || { echo "build-image.sh: --out FILE is required" >&2; usage; }
[ -f "$deb" ] || { echo "build-image.sh: --deb $deb: no such file" >&2; exit 2; }
[[ "$size" =~ ^[0-9]+[MG]$ ]] || { echo "build-image.sh: --size $size: expected a number followed by M or G (8G)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-image.sh: must run as root (it builds a root file system with real owners)" >&2; exit 2; }
for tool in mmdebstrap mkfs.ext4 mkfs.vfat mcopy mmd syslinux sfdisk; do
  command -v "$tool" >/dev/null || { echo "build-image.sh: $tool is missing (apt-get install mmdebstrap e2fsprogs dosfstools mtools syslinux fdisk systemd-boot-efi)" >&2; exit 2; }
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || { echo "build-image.sh: $mbr is missing (apt-get install syslinux-common)" >&2; exit 2; }
efi_boot=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[ -f "$efi_boot" ] || { echo "build-image.sh: $efi_boot is missing (apt-get install systemd-boot-efi)" >&2; exit 2; }

if [ ${#mirrors[@]} -eq 0 ]; then
  # The builder's own apt sources, so the image uses the mirror this machine uses.
  for source in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -s "$source" ] && grep -q bookworm "$source" && mirrors+=("$source")
  done
fi
[ ${#mirrors[@]} -gt 0 ] || { echo "build-image.sh: no bookworm apt source found; pass --mirror" >&2; exit 2; }

# Debian packages of the image: a bootable systemd machine plus everything cairn depends on, so
# the .deb installs offline on top of the cached root file system.
base_packages=(
  systemd systemd-sysv systemd-resolved udev dbus kmod linux-image-amd64 initramfs-tools
  e2fsprogs util-linux mount mawk iproute2 iputils-ping procps less openssh-server apt ca-certificates
)
mapfile -t cairn_dependencies < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' \
  | sed -e 's/|.*//' -e 's/(.*)//' -e 's/^ *//' -e 's/ *$//' | grep -v '^$')
packages=$(printf '%s\n' "${base_packages[@]}" "${cairn_dependencies[@]}" | sort -u | paste -sd, -)

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
mirror_text=$(for m in "${mirrors[@]}"; do if [ -f "$m" ]; then cat "$m"; else echo "$m"; fi; done)
base_recipe="mmdebstrap --mode=root --format=tar --variant=minbase bookworm"
base_key=$(printf '%s\n%s\n%s\n' "$base_recipe" "$packages" "$mirror_text" | sha256sum | cut -c1-16)
# The package by content (its control files include every file's md5sum), not by its bytes,
# which change with every rebuild's timestamps.
deb_content=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO | sha256sum)
image_key=$(printf '%s %s %s\n' "$base_key" "$size" "$deb_content" \
  | cat - "$0" "$here/firstboot.sh" "$here/cairn-firstboot.service" | sha256sum | cut -c1-16)
mkdir -p "$cache"
base_tar="$cache/rootfs-$base_key.tar"
image="$cache/cairn-$image_key.img"

log() { echo "build-image: $*" >&2; }

copy_out() {
  mkdir -p "$(dirname "$out")"
  cp --sparse=always "$image" "$out.partial"
  mv "$out.partial" "$out"
  log "wrote $out (cached as $image)"
}

if [ -f "$image" ]; then
  log "inputs unchanged (image $image_key); reusing the cached image"
  copy_out
  exit 0
fi

if [ ! -f "$base_tar" ]; then
  log "building the Debian root file system $base_key (mmdebstrap; a few minutes)"
  mmdebstrap --mode=root --format=tar --variant=minbase --include="$packages" \
    bookworm "$base_tar.partial" "${mirrors[@]}"
  mv "$base_tar.partial" "$base_tar"
  # Root file systems of older inputs are no longer needed.
  find "$cache" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$base_key.tar" -delete
else
  log "reusing the cached Debian root file system $base_key"
fi

# What makes the root file system a machine of its own: names, mounts, network (DHCP on every
# Ethernet interface; no LLMNR or mDNS listeners, so only sshd and nginx listen publicly), SSH
# host keys made at first boot, a locked root password (log in with a key from the user data).
configure_machine() {
  local root=$1
  echo cairn > "$root/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 cairn\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
  printf 'LABEL=cairn-root / ext4 errors=remount-ro 0 1\n' > "$root/etc/fstab"
  printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\nLLMNR=no\nMulticastDNS=no\n' > "$root/etc/systemd/network/20-dhcp.network"
  mkdir -p "$root/etc/systemd/resolved.conf.d"
  printf '[Resolve]\nLLMNR=no\nMulticastDNS=no\n' > "$root/etc/systemd/resolved.conf.d/no-multicast-names.conf"
  ln -sf /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
  rm -f "$root"/etc/ssh/ssh_host_*
  printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nHostKey /etc/ssh/ssh_host_ecdsa_key\n' > "$root/etc/ssh/sshd_config.d/host-keys.conf"
  # Ed25519 and ECDSA only: an RSA key takes long to make on a slow first boot.
  printf '[Unit]\nDescription=Generate this machine'"'"'s own SSH host keys\nBefore=ssh.service\nConditionPathExists=!/etc/ssh/ssh_host_ed25519_key\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key\nExecStart=/usr/bin/ssh-keygen -q -t ecdsa -N "" -f /etc/ssh/ssh_host_ecdsa_key\n\n[Install]\nWantedBy=multi-user.target\n' \
    > "$root/lib/systemd/system/ssh-host-keys.service"
  chroot "$root" systemctl enable systemd-networkd systemd-resolved ssh ssh-host-keys docker nginx nftables >/dev/null 2>&1
  : > "$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  chroot "$root" passwd --lock root >/dev/null
}

work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"
log "installing $(basename "$deb") on the root file system"
tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xf "$base_tar"
configure_machine "$root"
cp "$deb" "$root/tmp/cairn.deb"
CAIRN_IMAGE_BUILD=1 chroot "$root" dpkg -i /tmp/cairn.deb >&2
rm -f "$root/tmp/cairn.deb"
install -m 0755 "$here/firstboot.sh" "$root/usr/libexec/cairn-firstboot"
install -m 0644 "$here/cairn-firstboot.service" "$root/lib/systemd/system/cairn-firstboot.service"
chroot "$root" systemctl enable cairn-firstboot.service >/dev/null
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*_Packages

kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -1)
initrd=$(find "$root/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -1)
if [ -z "$kernel" ] || [ -z "$initrd" ]; then
  log "no kernel or initrd in the root file system"
  exit 1
fi

log "making the file systems and the disk ($size)"
# One FAT partition boots both ways: BIOS through syslinux (MBR code, active partition) and UEFI
# through systemd-boot (EFI/BOOT/BOOTX64.EFI on an EFI system partition); the rest is the root.
mib=$((1024 * 1024))
boot_mib=128
root_start_mib=$((1 + boot_mib))
disk="$work/disk.img"
truncate -s "$size" "$disk"
root_kib=$(($(stat -c %s "$disk") / 1024 - root_start_mib * 1024))
printf 'label: dos\nstart=1MiB, size=%dMiB, type=ef, bootable\nstart=%dMiB, type=83\n' "$boot_mib" "$root_start_mib" \
  | sfdisk --quiet "$disk"
dd if="$mbr" of="$disk" bs=440 count=1 conv=notrunc status=none
mkfs.vfat -F 32 -s 1 -S 512 --offset $((mib / 512)) -n CAIRNBOOT "$disk" $((boot_mib * 1024)) >/dev/null
syslinux --offset "$mib" --install "$disk"
kernel_options="root=LABEL=cairn-root ro console=tty0 console=ttyS0,115200n8"
printf 'DEFAULT cairn\nPROMPT 0\nTIMEOUT 0\nLABEL cairn\n  LINUX /vmlinuz\n  INITRD /initrd.img\n  APPEND %s\n' "$kernel_options" \
  > "$work/syslinux.cfg"
printf 'default cairn.conf\ntimeout 0\n' > "$work/loader.conf"
printf 'title cairn\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s\n' "$kernel_options" > "$work/cairn.conf"
fat="$disk@@$mib"
mmd -i "$fat" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
mcopy -i "$fat" "$efi_boot" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$fat" "$kernel" ::/vmlinuz
mcopy -i "$fat" "$initrd" ::/initrd.img
mcopy -i "$fat" "$work/syslinux.cfg" ::/syslinux.cfg
mcopy -i "$fat" "$work/loader.conf" ::/loader/loader.conf
mcopy -i "$fat" "$work/cairn.conf" ::/loader/entries/cairn.conf
mkfs.ext4 -q -L cairn-root -E offset=$((root_start_mib * mib)) -d "$root" "$disk" "${root_kib}k"
find "$cache" -maxdepth 1 -name 'cairn-*.img' -delete
mv "$disk" "$image"
copy_out
