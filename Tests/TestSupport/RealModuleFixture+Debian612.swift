/// The modules of `RealModuleFixture.Release.debian612`, recorded from Debian's
/// linux-image-6.12.117+deb12-amd64 (see `RealModuleFixture.Recorded`).
extension RealModuleFixture {
    static let release612: [Recorded] = [
        Recorded("failover", "net/core/failover.ko", size: 22_295,
                 exports: [
                     "failover_register 0x19c069f3 gpl", "failover_slave_unregister 0xa46d0d5a gpl",
                     "failover_unregister 0x89359b89 gpl"
                 ],
                 imports: ["_raw_spin_lock 0xba8fbd64", "_raw_spin_unlock 0xb5b54b34"],
                 modinfo: ["license=GPL v2"]),
        Recorded("net_failover", "drivers/net/net_failover.ko", size: 45_471,
                 exports: ["net_failover_create 0x3121c53d gpl", "net_failover_destroy 0xbb46e82d gpl"],
                 imports: [
                     "_dev_err 0xff7ed6fd", "_raw_spin_lock 0xba8fbd64", "failover_register 0x19c069f3",
                     "failover_slave_unregister 0xa46d0d5a", "failover_unregister 0x89359b89"
                 ],
                 modinfo: ["license=GPL v2", "depends=failover"]),
        Recorded("virtio_net", "drivers/net/virtio_net.ko", size: 257_231,
                 exports: [],
                 imports: [
                     "_dev_err 0xff7ed6fd", "_dev_info 0x2e9a428e", "net_failover_create 0x3121c53d",
                     "net_failover_destroy 0xbb46e82d", "unregister_virtio_driver 0x3797f1d3",
                     "virtio_check_driver_offered_feature 0x7f9fa108", "virtio_reset_device 0x21be640c",
                     "virtqueue_add_inbuf 0xb6456051", "virtqueue_add_inbuf_ctx 0xac5ca9f1",
                     "virtqueue_add_outbuf 0x1c2d624b", "virtqueue_add_sgs 0x0013009e",
                     "virtqueue_detach_unused_buf 0x40195108", "virtqueue_disable_cb 0xe280f216"
                 ],
                 modinfo: ["license=GPL", "alias=virtio:d00000001v*", "depends=net_failover"]),
        Recorded("virtio_blk", "drivers/block/virtio_blk.ko", size: 73_912,
                 exports: [],
                 imports: [
                     "_dev_err 0xff7ed6fd", "_dev_info 0x2e9a428e", "unregister_virtio_driver 0x3797f1d3",
                     "virtio_check_driver_offered_feature 0x7f9fa108", "virtio_max_dma_size 0xeaf3a08d",
                     "virtio_reset_device 0x21be640c", "virtqueue_add_sgs 0x0013009e",
                     "virtqueue_disable_cb 0xe280f216", "virtqueue_enable_cb 0xf92a704b",
                     "virtqueue_get_buf 0x3e8db8e1", "virtqueue_kick 0xffd4beb8"
                 ],
                 modinfo: ["license=GPL", "alias=virtio:d00000002v*"]),
        Recorded("scsi_common", "drivers/scsi/scsi_common.ko", size: 17_840,
                 exports: [
                     "block_pr_type_to_scsi 0x3c6785b7 gpl", "scsi_build_sense_buffer 0x8112b3d2",
                     "scsi_command_size_tbl 0x0334da4e", "scsi_device_type 0x72ea7b2d",
                     "scsi_normalize_sense 0xfbad3cf0", "scsi_pr_type_to_block 0x74bf2e01 gpl",
                     "scsi_sense_desc_find 0x10d9f885", "scsi_set_sense_field_pointer 0x3ab7b1cc",
                     "scsi_set_sense_information 0x818416e1", "scsilun_to_int 0xea3c8e4e"
                 ],
                 imports: [],
                 modinfo: ["license=GPL v2"]),
        Recorded("scsi_mod", "drivers/scsi/scsi_mod.ko", size: 686_328,
                 exports: [
                     "__scsi_add_device 0x3f1cf01c", "__scsi_format_command 0x93022ba6",
                     "__scsi_iterate_devices 0xe81cda5f", "__scsi_register_driver 0x4e212f28",
                     "scmd_printk 0x20565ed1", "scsi_add_device 0xe05e798c", "scsi_add_host_with_dma 0x3bc56630",
                     "scsi_alloc_sgtables 0x377d9e55", "scsi_autopm_get_device 0xc8c36ede gpl",
                     "scsi_autopm_put_device 0x9b740574 gpl", "scsi_block_targets 0xe8018415 gpl",
                     "scsi_block_when_processing_errors 0x1454bbd5", "scsi_build_sense 0x6bd76814 gpl",
                     "scsi_change_queue_depth 0x53164ccb", "scsi_check_sense 0x0208e80c gpl",
                     "scsi_command_normalize_sense 0x418d38a8", "scsi_device_lookup 0x2185b9c7",
                     "scsi_execute_cmd 0xb9bd7257", "scsi_failures_reset_retries 0x7ee9199d gpl",
                     "scsi_init_limits 0x69abd648 gpl"
                 ],
                 imports: [
                     "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "scsi_build_sense_buffer 0x8112b3d2",
                     "scsi_command_size_tbl 0x0334da4e", "scsi_device_type 0x72ea7b2d",
                     "scsi_normalize_sense 0xfbad3cf0", "scsi_sense_desc_find 0x10d9f885", "scsilun_to_int 0xea3c8e4e"
                 ],
                 modinfo: ["license=GPL", "depends=scsi_common"]),
        Recorded("virtio_scsi", "drivers/scsi/virtio_scsi.ko", size: 66_782,
                 exports: [],
                 imports: [
                     "__scsi_iterate_devices 0xe81cda5f", "_dev_err 0xff7ed6fd", "_printk 0x122c3a7e",
                     "scmd_printk 0x20565ed1", "scsi_add_device 0xe05e798c", "scsi_add_host_with_dma 0x3bc56630",
                     "scsi_change_queue_depth 0x53164ccb", "scsi_device_lookup 0x2185b9c7",
                     "scsi_execute_cmd 0xb9bd7257", "unregister_virtio_driver 0x3797f1d3",
                     "virtio_check_driver_offered_feature 0x7f9fa108", "virtio_reset_device 0x21be640c",
                     "virtqueue_add_inbuf 0xb6456051", "virtqueue_add_sgs 0x0013009e",
                     "virtqueue_disable_cb 0xe280f216", "virtqueue_enable_cb 0xf92a704b",
                     "virtqueue_get_buf 0x3e8db8e1", "virtqueue_get_vring_size 0x18f320a2"
                 ],
                 modinfo: ["license=GPL", "alias=virtio:d00000008v*", "depends=scsi_mod"]),
        Recorded("sd_mod", "drivers/scsi/sd_mod.ko", size: 194_759,
                 exports: [],
                 imports: [
                     "__scsi_register_driver 0x4e212f28", "_printk 0x122c3a7e",
                     "blk_mq_alloc_disk_for_queue 0x4e2dd778", "block_pr_type_to_scsi 0x3c6785b7",
                     "scmd_printk 0x20565ed1", "scsi_alloc_sgtables 0x377d9e55", "scsi_autopm_get_device 0xc8c36ede",
                     "scsi_autopm_put_device 0x9b740574", "scsi_block_when_processing_errors 0x1454bbd5",
                     "scsi_command_normalize_sense 0x418d38a8", "scsi_execute_cmd 0xb9bd7257",
                     "scsi_pr_type_to_block 0x74bf2e01"
                 ],
                 modinfo: [
                     "license=GPL", "alias=scsi:t-0x14*", "alias=scsi:t-0x0e*", "alias=scsi:t-0x07*",
                     "depends=scsi_common,scsi_mod"
                 ]),
        Recorded("libata", "drivers/ata/libata.ko", size: 969_447,
                 exports: [
                     "ata_dev_next 0x8d531131 gpl", "ata_dev_set_feature 0x781528e4 gpl",
                     "ata_dummy_port_ops 0xa1ca87a4 gpl", "ata_ehi_clear_desc 0xb1292f18 gpl",
                     "ata_ehi_push_desc 0xb2dc89df gpl", "ata_host_activate 0xfec986cb gpl",
                     "ata_host_alloc_pinfo 0x0e79f88f gpl", "ata_host_register 0x25ccc645 gpl",
                     "ata_host_resume 0xb7e3b520 gpl", "ata_host_suspend 0x705fd343 gpl",
                     "ata_host_undo_start 0xcc389690 gpl", "ata_link_next 0x9ff24b86 gpl",
                     "ata_ncq_prio_enable 0x906f1569 gpl", "ata_ncq_prio_enabled 0xa11d8f9d gpl",
                     "ata_ncq_prio_supported 0x616ebe8e gpl", "ata_scsi_device_configure 0x45ead254 gpl",
                     "ata_scsi_eh_timed_out 0xceb52c79 gpl", "dev_attr_link_power_management_supported 0x3f69cfdc gpl"
                 ],
                 imports: [
                     "__scsi_add_device 0x3f1cf01c", "__scsi_format_command 0x93022ba6", "_copy_from_user 0x13c49cc2",
                     "_copy_to_user 0x6b10bee1", "scsi_add_host_with_dma 0x3bc56630", "scsi_build_sense 0x6bd76814",
                     "scsi_build_sense_buffer 0x8112b3d2", "scsi_change_queue_depth 0x53164ccb",
                     "scsi_check_sense 0x0208e80c", "scsi_command_size_tbl 0x0334da4e", "scsi_execute_cmd 0xb9bd7257",
                     "scsi_sense_desc_find 0x10d9f885", "scsi_set_sense_field_pointer 0x3ab7b1cc",
                     "scsi_set_sense_information 0x818416e1"
                 ],
                 modinfo: ["license=GPL", "depends=scsi_common,scsi_mod"]),
        Recorded("libahci", "drivers/ata/libahci.ko", size: 148_007,
                 exports: [
                     "ahci_check_ready 0x522cab22 gpl", "ahci_dev_classify 0xb0850e26 gpl",
                     "ahci_handle_port_intr 0xb4c9462a gpl", "ahci_host_activate 0x2082d0d9 gpl",
                     "ahci_ignore_sss 0xea50dad3 gpl", "ahci_init_controller 0x84063fc6 gpl"
                 ],
                 imports: [
                     "_dev_err 0xff7ed6fd", "_dev_info 0x2e9a428e", "ata_dev_set_feature 0x781528e4",
                     "ata_dummy_port_ops 0xa1ca87a4", "ata_ehi_clear_desc 0xb1292f18", "ata_ehi_push_desc 0xb2dc89df",
                     "ata_host_activate 0xfec986cb", "ata_host_register 0x25ccc645", "ata_host_undo_start 0xcc389690",
                     "dev_attr_link_power_management_supported 0x3f69cfdc"
                 ],
                 modinfo: ["license=GPL", "depends=libata"]),
        Recorded("ahci", "drivers/ata/ahci.ko", size: 147_455,
                 exports: [],
                 imports: [
                     "_dev_err 0xff7ed6fd", "_dev_info 0x2e9a428e", "ahci_check_ready 0x522cab22",
                     "ahci_dev_classify 0xb0850e26", "ahci_handle_port_intr 0xb4c9462a",
                     "ahci_host_activate 0x2082d0d9", "ahci_ignore_sss 0xea50dad3", "ahci_init_controller 0x84063fc6",
                     "ata_dev_next 0x8d531131", "ata_dummy_port_ops 0xa1ca87a4", "ata_host_alloc_pinfo 0x0e79f88f",
                     "ata_host_resume 0xb7e3b520", "ata_host_suspend 0x705fd343", "ata_link_next 0x9ff24b86",
                     "ata_scsi_device_configure 0x45ead254", "ata_scsi_eh_timed_out 0xceb52c79"
                 ],
                 modinfo: [
                     "license=GPL", "alias=pci:v*d*sv*sd*bc01sc06i01*", "alias=pci:v00000014d00007A08sv*sd*bc*sc*i*",
                     "alias=pci:v00001C44d00008000sv*sd*bc*sc*i*", "depends=libahci,libata"
                 ]),
        Recorded("fat", "fs/fat/fat.ko", size: 222_367,
                 exports: [
                     "__fat_fs_error 0x74d357b6 gpl", "fat_add_entries 0x2fe91cea gpl",
                     "fat_alloc_new_dir 0xb6a32e56 gpl", "fat_attach 0x098a0d74 gpl", "fat_build_inode 0xd991afd2 gpl",
                     "fat_detach 0xabb34fe9 gpl", "fat_free_fc 0x5ffe7c3c gpl", "fat_init_fs_context 0x13cc0a52 gpl",
                     "fat_param_spec 0x24e282c5 gpl", "fat_parse_param 0x4b172f4f gpl",
                     "fat_reconfigure 0x8ad746d7 gpl"
                 ],
                 imports: ["_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1"],
                 modinfo: ["license=GPL"]),
        Recorded("vfat", "fs/fat/vfat.ko", size: 52_064,
                 exports: [],
                 imports: [
                     "__fat_fs_error 0x74d357b6", "_ctype 0x11089ac7", "_raw_spin_lock 0xba8fbd64",
                     "fat_add_entries 0x2fe91cea", "fat_alloc_new_dir 0xb6a32e56", "fat_attach 0x098a0d74",
                     "fat_build_inode 0xd991afd2", "fat_detach 0xabb34fe9", "fat_free_fc 0x5ffe7c3c",
                     "fat_init_fs_context 0x13cc0a52"
                 ],
                 modinfo: ["license=GPL", "alias=fs-vfat", "depends=fat"]),
        Recorded("libphy", "drivers/net/phy/libphy.ko", size: 447_535,
                 exports: [
                     "__genphy_config_aneg 0xd6088cdd", "__mdiobus_c45_read 0xbcfd195e",
                     "__mdiobus_c45_write 0x9d98dba9", "__mdiobus_modify 0x1d132c10 gpl", "__mdiobus_read 0x0bb689b8",
                     "__mdiobus_register 0x679b0136", "__mdiobus_write 0x70e3f04d", "__phy_modify 0xeb22a4ca gpl",
                     "genphy_c45_an_config_aneg 0x62b09ea0 gpl", "genphy_c45_check_and_restart_aneg 0x9dd51bd8 gpl",
                     "genphy_handle_interrupt_no_ack 0xc5f12e76", "genphy_read_abilities 0x1b5ab9e8",
                     "genphy_soft_reset 0x06de2d12", "mdiobus_alloc_size 0x7c77a96d", "mdiobus_free 0xf3f9132a",
                     "mdiobus_get_phy 0x9eccc068", "mdiobus_read 0x11b33ef6", "mdiobus_unregister 0x181c6dba",
                     "mdiobus_write 0x945ce52f", "phy_support_eee 0xabe2ca83"
                 ],
                 imports: ["_dev_err 0xff7ed6fd", "_dev_info 0x2e9a428e"],
                 modinfo: ["license=GPL"]),
        Recorded("mdio_devres", "drivers/net/phy/mdio_devres.ko", size: 11_319,
                 exports: ["__devm_mdiobus_register 0x0a6e8eff", "devm_mdiobus_alloc_size 0x6e26ae33"],
                 imports: [
                     "__mdiobus_register 0x679b0136", "devres_add 0x256c8a77", "devres_find 0x25056402",
                     "mdiobus_alloc_size 0x7c77a96d", "mdiobus_free 0xf3f9132a", "mdiobus_unregister 0x181c6dba"
                 ],
                 modinfo: ["license=GPL", "depends=libphy"]),
        Recorded("realtek", "drivers/net/phy/realtek.ko", size: 81_382,
                 exports: [],
                 imports: [
                     "__genphy_config_aneg 0xd6088cdd", "__mdiobus_read 0x0bb689b8", "__mdiobus_write 0x70e3f04d",
                     "__phy_modify 0xeb22a4ca", "_dev_err 0xff7ed6fd", "_dev_warn 0x9a530360",
                     "genphy_c45_an_config_aneg 0x62b09ea0", "genphy_c45_check_and_restart_aneg 0x9dd51bd8",
                     "genphy_handle_interrupt_no_ack 0xc5f12e76", "genphy_read_abilities 0x1b5ab9e8"
                 ],
                 modinfo: ["license=GPL", "alias=mdio:0000000000011100110010??????????", "depends=libphy"]),
        Recorded("r8169", "drivers/net/ethernet/realtek/r8169.ko", size: 292_216,
                 exports: [],
                 imports: [
                     "__devm_mdiobus_register 0x0a6e8eff", "__mdiobus_write 0x70e3f04d", "__phy_modify 0xeb22a4ca",
                     "_dev_err 0xff7ed6fd", "_dev_info 0x2e9a428e", "devm_mdiobus_alloc_size 0x6e26ae33",
                     "genphy_soft_reset 0x06de2d12", "mdiobus_get_phy 0x9eccc068", "mdiobus_read 0x11b33ef6",
                     "mdiobus_write 0x945ce52f", "phy_support_eee 0xabe2ca83"
                 ],
                 modinfo: [
                     "license=GPL", "alias=pci:v000010ECd00003000sv*sd*bc*sc*i*",
                     "alias=pci:v000010ECd00008126sv*sd*bc*sc*i*", "alias=pci:v000010ECd00008125sv*sd*bc*sc*i*",
                     "softdep=pre: realtek", "depends=libphy,mdio_devres"
                 ]),
        Recorded("soundcore", "sound/soundcore.ko", size: 27_046,
                 exports: [
                     "register_sound_special_device 0x63e5642c", "sound_class 0x2d46139f",
                     "unregister_sound_special 0x99c95fa5"
                 ],
                 imports: ["_printk 0x122c3a7e", "_raw_spin_lock 0xba8fbd64"],
                 modinfo: ["license=GPL", "alias=char-major-14-*"]),
        Recorded("snd", "sound/core/snd.ko", size: 324_503,
                 exports: [
                     "copy_from_iter_toio 0xd7f5e1fb", "copy_to_iter_fromio 0x4e0ec084",
                     "snd_card_file_add 0xfbee640d", "snd_card_file_remove 0xcaf17134", "snd_card_free 0x3039b7af",
                     "snd_card_new 0x5db394c5", "snd_card_register 0xa5f33c12", "snd_ctl_add 0x83302260",
                     "snd_ctl_add_followers 0x42dc1460 gpl", "snd_ctl_get_preferred_subdevice 0x37f7ec66 gpl",
                     "snd_ctl_new1 0x57ee46bc", "snd_ctl_notify 0xa57646bc", "snd_ctl_register_ioctl 0xe9d7423e",
                     "snd_device_alloc 0xe8bb6ce9 gpl", "snd_device_new 0x77429c07", "snd_ecards_limit 0x3971b4df",
                     "snd_fasync_free 0x5af762f1 gpl", "snd_fasync_helper 0x38ec8181 gpl",
                     "snd_info_create_module_entry 0xf5af609e", "snd_info_free_entry 0xc59a5ed6"
                 ],
                 imports: [
                     "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1",
                     "register_sound_special_device 0x63e5642c", "sound_class 0x2d46139f",
                     "unregister_sound_special 0x99c95fa5"
                 ],
                 modinfo: ["license=GPL", "alias=char-major-116-*", "depends=soundcore"]),
        Recorded("snd_timer", "sound/core/snd-timer.ko", size: 111_920,
                 exports: [
                     "snd_timer_interrupt 0x56a4ec1c", "snd_timer_new 0xb3a0573c", "snd_timer_notify 0x4fed5a6e"
                 ],
                 imports: [
                     "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "snd_device_alloc 0xe8bb6ce9",
                     "snd_device_new 0x77429c07", "snd_ecards_limit 0x3971b4df", "snd_fasync_free 0x5af762f1",
                     "snd_fasync_helper 0x38ec8181", "snd_info_create_module_entry 0xf5af609e",
                     "snd_info_free_entry 0xc59a5ed6"
                 ],
                 modinfo: ["license=GPL", "alias=devname:snd/timer", "alias=char-major-116-33", "depends=snd"]),
        Recorded("snd_pcm", "sound/core/snd-pcm.ko", size: 408_103,
                 exports: [
                     "snd_pcm_add_chmap_ctls 0x73f636ed gpl", "snd_pcm_format_physical_width 0x68a24153",
                     "snd_pcm_hw_constraint_integer 0x2d101d5c", "snd_pcm_hw_params_bits 0xe385f704",
                     "snd_pcm_lib_ioctl 0x0331a99e", "snd_pcm_new 0x69c7dbf1", "snd_pcm_period_elapsed 0x49aa829d",
                     "snd_pcm_set_sync_per_card 0x8b16efbe gpl"
                 ],
                 imports: [
                     "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "snd_card_file_add 0xfbee640d",
                     "snd_card_file_remove 0xcaf17134", "snd_ctl_add 0x83302260",
                     "snd_ctl_get_preferred_subdevice 0x37f7ec66", "snd_ctl_new1 0x57ee46bc",
                     "snd_ctl_register_ioctl 0xe9d7423e", "snd_device_alloc 0xe8bb6ce9",
                     "snd_timer_interrupt 0x56a4ec1c", "snd_timer_new 0xb3a0573c", "snd_timer_notify 0x4fed5a6e"
                 ],
                 modinfo: ["license=GPL", "depends=snd,snd_timer"]),
        Recorded("e1000e", "drivers/net/ethernet/intel/e1000e/e1000e.ko", size: 785_918,
                 exports: [],
                 imports: ["_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1"],
                 modinfo: [
                     "license=GPL v2", "alias=pci:v00008086d000057BAsv*sd*bc*sc*i*",
                     "alias=pci:v00008086d000057B9sv*sd*bc*sc*i*", "alias=pci:v00008086d000057B8sv*sd*bc*sc*i*"
                 ]),
        Recorded("dummy", "drivers/net/dummy.ko", size: 18_790,
                 exports: [],
                 imports: ["alloc_netdev_mqs 0xc683d738", "consume_skb 0x419fcc98"],
                 modinfo: ["license=GPL", "alias=rtnl-link-dummy"]),
        Recorded("virtio_snd", "sound/virtio/virtio_snd.ko", size: 119_975,
                 exports: [],
                 imports: [
                     "__register_virtio_driver 0x846d3cba", "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1",
                     "snd_card_free 0x3039b7af", "snd_card_new 0x5db394c5", "snd_card_register 0xa5f33c12",
                     "snd_ctl_add 0x83302260", "snd_ctl_new1 0x57ee46bc", "snd_ctl_notify 0xa57646bc",
                     "snd_pcm_add_chmap_ctls 0x73f636ed", "snd_pcm_format_physical_width 0x68a24153",
                     "snd_pcm_hw_constraint_integer 0x2d101d5c", "snd_pcm_lib_ioctl 0x0331a99e",
                     "snd_pcm_new 0x69c7dbf1", "snd_pcm_period_elapsed 0x49aa829d",
                     "unregister_virtio_driver 0x3797f1d3", "virtio_check_driver_offered_feature 0x7f9fa108",
                     "virtio_reset_device 0x21be640c", "virtqueue_add_sgs 0x0013009e",
                     "virtqueue_disable_cb 0xe280f216"
                 ],
                 modinfo: ["license=GPL", "alias=virtio:d00000019v*", "depends=snd,snd_pcm"]),
    ]
    static let kernel612: [String] = [
        "0x846d3cba __register_virtio_driver EXPORT_SYMBOL_GPL",
        "0x13c49cc2 _copy_from_user EXPORT_SYMBOL",
        "0x6b10bee1 _copy_to_user EXPORT_SYMBOL",
        "0x11089ac7 _ctype EXPORT_SYMBOL",
        "0xff7ed6fd _dev_err EXPORT_SYMBOL",
        "0x2e9a428e _dev_info EXPORT_SYMBOL",
        "0x9a530360 _dev_warn EXPORT_SYMBOL",
        "0x122c3a7e _printk EXPORT_SYMBOL",
        "0xba8fbd64 _raw_spin_lock EXPORT_SYMBOL",
        "0xb5b54b34 _raw_spin_unlock EXPORT_SYMBOL",
        "0xc683d738 alloc_netdev_mqs EXPORT_SYMBOL",
        "0x4e2dd778 blk_mq_alloc_disk_for_queue EXPORT_SYMBOL",
        "0x419fcc98 consume_skb EXPORT_SYMBOL",
        "0x256c8a77 devres_add EXPORT_SYMBOL_GPL",
        "0x25056402 devres_find EXPORT_SYMBOL_GPL",
        "0x3797f1d3 unregister_virtio_driver EXPORT_SYMBOL_GPL",
        "0x7f9fa108 virtio_check_driver_offered_feature EXPORT_SYMBOL_GPL",
        "0xeaf3a08d virtio_max_dma_size EXPORT_SYMBOL_GPL",
        "0x21be640c virtio_reset_device EXPORT_SYMBOL_GPL",
        "0xb6456051 virtqueue_add_inbuf EXPORT_SYMBOL_GPL",
        "0xac5ca9f1 virtqueue_add_inbuf_ctx EXPORT_SYMBOL_GPL",
        "0x1c2d624b virtqueue_add_outbuf EXPORT_SYMBOL_GPL",
        "0x0013009e virtqueue_add_sgs EXPORT_SYMBOL_GPL",
        "0x40195108 virtqueue_detach_unused_buf EXPORT_SYMBOL_GPL",
        "0xe280f216 virtqueue_disable_cb EXPORT_SYMBOL_GPL",
        "0xf92a704b virtqueue_enable_cb EXPORT_SYMBOL_GPL",
        "0x3e8db8e1 virtqueue_get_buf EXPORT_SYMBOL_GPL",
        "0x18f320a2 virtqueue_get_vring_size EXPORT_SYMBOL_GPL",
        "0xffd4beb8 virtqueue_kick EXPORT_SYMBOL_GPL",
    ]
}
