package packages_test

import (
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/forensics/packages"
)

// Stanzas as bookworm's dpkg status holds them: a binary whose Source names another version
// (binNMU, or a binary versioned apart from its source), a Source without a version, and no
// Source at all.
const (
	bsdutilsStanza = "Package: bsdutils\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5)\nVersion: 1:2.38.1-5+b1\n"
	pgClientStanza = "Package: postgresql-client\nStatus: install ok installed\nArchitecture: all\nSource: postgresql-common (248+deb12u2)\nVersion: 15+248+deb12u2\n"
	cppStanza      = "Package: cpp\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-defaults (1.203)\nVersion: 4:12.2.0-3\n"
	libssl3Stanza  = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n"
	tarStanza      = "Package: tar\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.34+dfsg-1.2+deb12u1\n"
	pipStanza      = "Package: python3-pip\nStatus: install ok installed\nArchitecture: all\nSource: python-pip\nVersion: 23.0.1+dfsg-1\n"
	semverStanza   = "Package: node-semver\nStatus: install ok installed\nArchitecture: all\nVersion: 7.3.5+~7.3.9-2\n"
)

func TestSourceVersions(t *testing.T) {
	img := debianImage(imagebuild.Layer{CreatedBy: "RUN apt-get install", Files: []imagebuild.File{
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10"),
			bsdutilsStanza, pgClientStanza, cppStanza, libssl3Stanza, tarStanza)),
	}})
	inv := read(t, img).Inventory
	tests := []struct{ name, source, sourceVersion string }{
		{"bsdutils", "util-linux", "2.38.1-5"},
		{"postgresql-client", "postgresql-common", "248+deb12u2"},
		{"cpp", "gcc-defaults", "1.203"},
		{"libssl3", "openssl", "3.0.11-1~deb12u2"},   // Source without a version: the binary's
		{"tar", "tar", "1.34+dfsg-1.2+deb12u1"},      // no Source: the binary is its own source
		{"curl", "curl", "7.88.1-10"},                // binNMU of a source of the same name
		{"coreutils", "coreutils", "9.1-1"},          // no Source
		{"base-files", "base-files", "12.4+deb12u5"}, // no Source
	}
	for _, tt := range tests {
		p := find(inv, packages.Deb, tt.name)
		if p == nil {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if p.SourceName() != tt.source || p.SourceFullVersion() != tt.sourceVersion {
			t.Errorf("%s %s: source %s %s, want %s %s", p.Name, p.Version, p.SourceName(), p.SourceFullVersion(), tt.source, tt.sourceVersion)
		}
	}
	rpm := packages.Package{Ecosystem: packages.RPM, Name: "openssl-libs", Version: "3.0.7-27.el9", Epoch: 1, Source: "openssl", SourceVersion: "3.0.7-25.el9"}
	if got := rpm.SourceFullVersion(); got != "1:3.0.7-25.el9" {
		t.Errorf("rpm source version %s, want the source rpm's version with the binary's epoch 1:3.0.7-25.el9", got)
	}
}

// Debian installs PyPI and npm packages of its own (python3-pip, node-semver): they are in the
// inventory with the OS package that owns them; one installed by pip in /usr/local is not.
func TestOSOwnedLanguagePackages(t *testing.T) {
	pipMeta := "Metadata-Version: 2.1\nName: pip\nVersion: 23.0.1\n"
	img := debianImage(imagebuild.Layer{CreatedBy: "RUN apt-get install python3-pip node-semver && pip install requests", Files: []imagebuild.File{
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10"), pipStanza, semverStanza)),
		imagebuild.Reg("var/lib/dpkg/info/python3-pip.list", "/usr/lib/python3/dist-packages/pip-23.0.1.dist-info\n/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA\n"),
		imagebuild.Reg("var/lib/dpkg/info/node-semver.list", "/usr/share/nodejs/semver\n/usr/share/nodejs/semver/package.json\n"),
		imagebuild.Reg("usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA", pipMeta),
		imagebuild.Reg("usr/share/nodejs/semver/package.json", `{"name":"semver","version":"7.3.5"}`),
		imagebuild.Reg("usr/share/nodejs/@types/semver/package.json", `{"name":"@types/semver","version":"7.3.9"}`),
		imagebuild.Reg("usr/local/lib/python3.11/dist-packages/requests-2.31.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n"),
	}})
	inv := read(t, img).Inventory
	tests := []struct {
		eco        packages.Ecosystem
		name, want string
	}{
		{packages.PyPI, "pip", "deb:python3-pip"},
		{packages.NPM, "semver", "deb:node-semver"},
		{packages.NPM, "@types/semver", ""}, // found where Debian installs modules, but no list names it
		{packages.PyPI, "requests", ""},
	}
	for _, tt := range tests {
		p := find(inv, tt.eco, tt.name)
		if p == nil {
			t.Errorf("%s %s not in the inventory", tt.eco, tt.name)
			continue
		}
		if p.OSPackage != tt.want {
			t.Errorf("%s %s: OS package %q, want %q", tt.eco, tt.name, p.OSPackage, tt.want)
		}
	}
}
