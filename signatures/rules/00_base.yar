/*
   Building blocks shared by the built-in rules. Private rules never report
   on their own. The filetype external is set by Strata from the file's
   magic bytes and content (see signatures.DetectFileType).
*/

private rule strata_text
{
    condition:
        filetype == "script" or filetype == "text" or filetype == "PHP" or
        filetype == "JSP" or filetype == "ASPX"
}

private rule strata_elf
{
    condition:
        uint32(0) == 0x464c457f
}
