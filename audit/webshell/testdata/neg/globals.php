<?php
// Settings kept in globals by an old theme; the section names are its own.
$section = 'site_backup';
$conf = $GLOBALS[$section];
if (!empty($conf['enabled'])) {
    exec('/usr/bin/tar czf /var/backups/site.tgz ' . escapeshellarg($conf['dir']));
}
$mode = $GLOBALS['theme_mode'];
echo htmlspecialchars($mode);
