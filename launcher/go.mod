module flavorpack.dev/launcher

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/klauspost/compress v1.20.4
	github.com/ulikunitz/xz v0.5.17
	golang.org/x/sys v0.50.0
)
