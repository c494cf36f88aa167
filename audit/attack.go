package audit

import "strings"

// techniqueNames are the MITRE ATT&CK (Enterprise) names of the techniques Strata's rules,
// categories and places stand for, as a report shows them to someone who does not know the
// IDs by heart. A test keeps every ID technique.go names in here.
var techniqueNames = map[string]string{
	"T1003":     "OS Credential Dumping",
	"T1003.008": "OS Credential Dumping: /etc/passwd and /etc/shadow",
	"T1014":     "Rootkit",
	"T1027":     "Obfuscated Files or Information",
	"T1036":     "Masquerading",
	"T1041":     "Exfiltration Over C2 Channel",
	"T1048":     "Exfiltration Over Alternative Protocol",
	"T1048.003": "Exfiltration Over Alternative Protocol: Exfiltration Over Unencrypted Non-C2 Protocol",
	"T1567.002": "Exfiltration Over Web Service: Exfiltration to Cloud Storage",
	"T1003.007": "OS Credential Dumping: Proc Filesystem",
	"T1056":     "Input Capture",
	"T1056.001": "Input Capture: Keylogging",
	"T1036.005": "Masquerading: Match Legitimate Name or Location",
	"T1037":     "Boot or Logon Initialization Scripts",
	"T1037.004": "Boot or Logon Initialization Scripts: RC Scripts",
	"T1053":     "Scheduled Task/Job",
	"T1053.002": "Scheduled Task/Job: At",
	"T1053.003": "Scheduled Task/Job: Cron",
	"T1053.006": "Scheduled Task/Job: Systemd Timers",
	"T1059":     "Command and Scripting Interpreter",
	"T1059.004": "Command and Scripting Interpreter: Unix Shell",
	"T1059.006": "Command and Scripting Interpreter: Python",
	"T1059.007": "Command and Scripting Interpreter: JavaScript",
	"T1070":     "Indicator Removal",
	"T1070.004": "Indicator Removal: File Deletion",
	"T1070.002": "Indicator Removal: Clear Linux or Mac System Logs",
	"T1070.003": "Indicator Removal: Clear Command History",
	"T1562.003": "Impair Defenses: Impair Command History Logging",
	"T1070.006": "Indicator Removal: Timestomp",
	"T1071":     "Application Layer Protocol",
	"T1071.004": "Application Layer Protocol: DNS",
	"T1078":     "Valid Accounts",
	"T1078.003": "Valid Accounts: Local Accounts",
	"T1090":     "Proxy",
	"T1095":     "Non-Application Layer Protocol",
	"T1098":     "Account Manipulation",
	"T1098.004": "Account Manipulation: SSH Authorized Keys",
	"T1105":     "Ingress Tool Transfer",
	"T1133":     "External Remote Services",
	"T1136":     "Create Account",
	"T1136.001": "Create Account: Local Account",
	"T1140":     "Deobfuscate/Decode Files or Information",
	"T1195":     "Supply Chain Compromise",
	"T1195.002": "Supply Chain Compromise: Compromise Software Supply Chain",
	"T1222":     "File and Directory Permissions Modification",
	"T1222.002": "File and Directory Permissions Modification: Linux and Mac",
	"T1496":     "Resource Hijacking",
	"T1505":     "Server Software Component",
	"T1505.003": "Server Software Component: Web Shell",
	"T1525":     "Implant Internal Image",
	"T1543":     "Create or Modify System Process",
	"T1543.002": "Create or Modify System Process: Systemd Service",
	"T1546":     "Event Triggered Execution",
	"T1546.004": "Event Triggered Execution: Unix Shell Configuration Modification",
	"T1546.016": "Event Triggered Execution: Installer Packages",
	"T1546.017": "Event Triggered Execution: Udev Rules",
	"T1547":     "Boot or Logon Autostart Execution",
	"T1547.006": "Boot or Logon Autostart Execution: Kernel Modules and Extensions",
	"T1547.013": "Boot or Logon Autostart Execution: XDG Autostart Entries",
	"T1548":     "Abuse Elevation Control Mechanism",
	"T1548.001": "Abuse Elevation Control Mechanism: Setuid and Setgid",
	"T1548.003": "Abuse Elevation Control Mechanism: Sudo and Sudo Caching",
	"T1552":     "Unsecured Credentials",
	"T1555":     "Credentials from Password Stores",
	"T1555.003": "Credentials from Password Stores: Credentials from Web Browsers",
	"T1552.001": "Unsecured Credentials: Credentials In Files",
	"T1552.004": "Unsecured Credentials: Private Keys",
	"T1552.005": "Unsecured Credentials: Cloud Instance Metadata API",
	"T1554":     "Compromise Host Software Binary",
	"T1556":     "Modify Authentication Process",
	"T1556.003": "Modify Authentication Process: Pluggable Authentication Modules",
	"T1562":     "Impair Defenses",
	"T1562.001": "Impair Defenses: Disable or Modify Tools",
	"T1564":     "Hide Artifacts",
	"T1564.001": "Hide Artifacts: Hidden Files and Directories",
	"T1571":     "Non-Standard Port",
	"T1574":     "Hijack Execution Flow",
	"T1574.006": "Hijack Execution Flow: Dynamic Linker Hijacking",
	"T1611":     "Escape to Host",
}

// TechniqueName returns the ATT&CK name of a technique ID ("T1574.006"), "" when Strata does
// not know it (a user YARA rule may name any technique).
func TechniqueName(id string) string { return techniqueNames[strings.ToUpper(strings.TrimSpace(id))] }

// TechniqueURL is the technique's page on the ATT&CK site: T1574.006 is
// https://attack.mitre.org/techniques/T1574/006/.
func TechniqueURL(id string) string {
	id = strings.ToUpper(strings.TrimSpace(id))
	return "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
}
