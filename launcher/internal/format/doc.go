// Package format decodes the PSPF/2025 byte layout: the magic trailer, the 8 KiB index block, the
// slot descriptor table, operation chains and the metadata model. It only turns bytes into values
// and checks structure; it opens no files and does no cryptography (see package verify).
package format
