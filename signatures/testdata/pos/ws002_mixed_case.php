<?php
// PHP function names are case-insensitive
@EvAl(GzInflate(Base64_Decode("80jNyclXCM8vyklRBAA=")));
?>
