package imagebuild

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

// Secrets planted in SecretPair's suspect: made up, never valid anywhere.
const (
	PlantedAWSKeyID  = "AKIAQ3EGRTSWV4MZLX7P"
	PlantedAWSSecret = "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"
	PlantedNpmToken  = "npm_Zk3Pq8Lw2Xv5Rt7Yb1Nc4Md6Fg9Hj0Ks2Ue5"
)

// PlantedKey is the PEM RSA private key planted in SecretPair's suspect (random bytes), and
// its body's lines.
func PlantedKey() (pem string, lines []string) {
	r := rand.New(rand.NewPCG(42, 7))
	raw := make([]byte, 1190)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	body := base64.StdEncoding.EncodeToString(raw)
	for i := 0; i < len(body); i += 64 {
		lines = append(lines, body[i:min(i+64, len(body))])
	}
	return "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(lines, "\n") + "\n-----END RSA PRIVATE KEY-----\n", lines
}

// PlantedSecrets are the values no output of SecretPair's images may show: the AWS key ID
// and secret, the npm token, and every line of the private key's body.
func PlantedSecrets() []string {
	_, lines := PlantedKey()
	return append([]string{PlantedAWSKeyID, PlantedAWSSecret, PlantedNpmToken}, lines...)
}

// SecretPair returns an original and a suspect whose added layer and config plant secrets:
// the suspect's Env holds an AWS key ID and secret (set by an ENV step), a RUN line passes an
// npm token as a build argument and writes it to /root/.npmrc, /root/.ssh/id_rsa holds a
// private key, and a script exports the AWS secret.
func SecretPair() (original, suspect Image) {
	key, _ := PlantedKey()
	o := Image{
		Tags:   []string{"secrets/app:1"},
		Config: Config{Env: []string{"PATH=/usr/bin:/bin"}, Cmd: []string{"/app/run"}},
		Layers: []Layer{{
			CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / ",
			Files: []File{Dir("etc"), Dir("app"), Dir("root"),
				Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
				Reg("app/run", "#!/bin/sh\nexec /app/server\n").WithMode(0o755)},
		}},
	}
	s := o
	s.Tags = []string{"secrets/app:2"}
	s.Config.Env = []string{"PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=" + PlantedAWSKeyID, "AWS_SECRET_ACCESS_KEY=" + PlantedAWSSecret}
	s.Layers = append(append([]Layer{}, o.Layers...), Layer{
		CreatedBy: "RUN |1 NPM_TOKEN=" + PlantedNpmToken + " /bin/sh -c echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > /root/.npmrc # buildkit",
		Files: []File{
			Dir("root/.ssh"),
			Reg("root/.ssh/id_rsa", key).WithMode(0o600),
			Reg("root/.npmrc", "//registry.npmjs.org/:_authToken="+PlantedNpmToken+"\n"),
			Reg("app/run", "#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY="+PlantedAWSSecret+"\nexec /app/server\n").WithMode(0o755),
		},
	})
	s.History = []Step{
		{CreatedBy: o.Layers[0].CreatedBy},
		{CreatedBy: "ENV AWS_ACCESS_KEY_ID=" + PlantedAWSKeyID + " AWS_SECRET_ACCESS_KEY=" + PlantedAWSSecret, EmptyLayer: true},
		{CreatedBy: s.Layers[1].CreatedBy},
	}
	return o, s
}
