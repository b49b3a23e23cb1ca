/// The modules of `RealModuleFixture.Release.debian61`, recorded from Debian's linux-image-6.1.0-57-amd64
/// (see `RealModuleFixture.Recorded`).
extension RealModuleFixture {
    static let release61: [Recorded] = [
        Recorded(
            "virtio_ring", "drivers/virtio/virtio_ring.ko", size: 76_785,
            exports: [
                "virtio_break_device 0x623eed7a gpl", "virtio_max_dma_size 0xcee48223 gpl",
                "virtqueue_add_inbuf 0xeb4d03ea gpl", "virtqueue_add_inbuf_ctx 0xeb6ce032 gpl",
                "virtqueue_add_outbuf 0x368faaba gpl", "virtqueue_add_sgs 0x722bad81 gpl",
                "virtqueue_detach_unused_buf 0x6001411f gpl", "virtqueue_disable_cb 0x82866779 gpl",
                "virtqueue_enable_cb 0x16e7ede7 gpl", "virtqueue_get_buf 0x698c55bf gpl",
                "virtqueue_get_vring_size 0x1408bd2f gpl", "virtqueue_is_broken 0x8b8cda6d gpl",
                "virtqueue_kick 0x97334451 gpl",
            ],
            imports: ["_dev_err 0x7a945ae2", "_dev_warn 0x156696d3"],
            modinfo: ["license=GPL"]),
        Recorded(
            "virtio", "drivers/virtio/virtio.ko", size: 33_265,
            exports: [
                "register_virtio_driver 0x338f955d gpl", "unregister_virtio_driver 0x3a6fa8a0 gpl",
                "virtio_check_driver_offered_feature 0xe026fca7 gpl", "virtio_reset_device 0xdb9efc4c gpl",
            ],
            imports: ["_dev_err 0x7a945ae2", "_dev_warn 0x156696d3", "virtio_break_device 0x623eed7a"],
            modinfo: ["license=GPL", "depends=virtio_ring"]),
        Recorded(
            "failover", "net/core/failover.ko", size: 19_881,
            exports: [
                "failover_register 0xf7cad133 gpl", "failover_slave_unregister 0x07f15e9d gpl",
                "failover_unregister 0x5efabd23 gpl",
            ],
            imports: ["_raw_spin_lock 0xba8fbd64", "_raw_spin_unlock 0xb5b54b34"],
            modinfo: ["license=GPL v2"]),
        Recorded(
            "net_failover", "drivers/net/net_failover.ko", size: 38_329,
            exports: ["net_failover_create 0x8c334ac2 gpl", "net_failover_destroy 0xd16a9b39 gpl"],
            imports: [
                "_dev_err 0x7a945ae2", "_raw_spin_lock 0xba8fbd64", "failover_register 0xf7cad133",
                "failover_slave_unregister 0x07f15e9d", "failover_unregister 0x5efabd23",
            ],
            modinfo: ["license=GPL v2", "depends=failover"]),
        Recorded(
            "virtio_net", "drivers/net/virtio_net.ko", size: 154_689,
            exports: [],
            imports: [
                "_dev_err 0x7a945ae2", "_dev_info 0xbb462483", "net_failover_create 0x8c334ac2",
                "net_failover_destroy 0xd16a9b39", "register_virtio_driver 0x338f955d",
                "unregister_virtio_driver 0x3a6fa8a0", "virtio_check_driver_offered_feature 0xe026fca7",
                "virtio_reset_device 0xdb9efc4c", "virtqueue_add_inbuf 0xeb4d03ea",
                "virtqueue_add_inbuf_ctx 0xeb6ce032", "virtqueue_add_outbuf 0x368faaba",
                "virtqueue_add_sgs 0x722bad81", "virtqueue_detach_unused_buf 0x6001411f",
                "virtqueue_disable_cb 0x82866779",
            ],
            modinfo: ["license=GPL", "alias=virtio:d00000001v*", "depends=net_failover,virtio,virtio_ring"]),
        Recorded(
            "virtio_blk", "drivers/block/virtio_blk.ko", size: 58_257,
            exports: [],
            imports: [
                "_dev_err 0x7a945ae2", "_dev_info 0xbb462483", "register_virtio_driver 0x338f955d",
                "unregister_virtio_driver 0x3a6fa8a0", "virtio_check_driver_offered_feature 0xe026fca7",
                "virtio_max_dma_size 0xcee48223", "virtio_reset_device 0xdb9efc4c",
                "virtqueue_add_sgs 0x722bad81", "virtqueue_disable_cb 0x82866779",
                "virtqueue_enable_cb 0x16e7ede7", "virtqueue_get_buf 0x698c55bf",
                "virtqueue_is_broken 0x8b8cda6d", "virtqueue_kick 0x97334451",
            ],
            modinfo: ["license=GPL", "alias=virtio:d00000002v*", "depends=virtio,virtio_ring"]),
        Recorded(
            "scsi_common", "drivers/scsi/scsi_common.ko", size: 13_761,
            exports: [
                "scsi_build_sense_buffer 0x8112b3d2", "scsi_command_size_tbl 0x0334da4e",
                "scsi_device_type 0x72ea7b2d", "scsi_normalize_sense 0xfbad3cf0",
                "scsi_sense_desc_find 0x10d9f885", "scsi_set_sense_field_pointer 0x3ab7b1cc",
                "scsi_set_sense_information 0x818416e1", "scsilun_to_int 0xea3c8e4e",
            ],
            imports: [],
            modinfo: ["license=GPL v2"]),
        Recorded(
            "scsi_mod", "drivers/scsi/scsi_mod.ko", size: 584_353,
            exports: [
                "__scsi_add_device 0x854fa833", "__scsi_execute 0x6d6fd5db", "__scsi_format_command 0x93022ba6",
                "__scsi_init_queue 0x20d9e7ac gpl", "__scsi_iterate_devices 0xc41b1246", "scmd_printk 0xba9c234b",
                "scsi_add_device 0xb7b62863", "scsi_add_host_with_dma 0xd294e0f7",
                "scsi_alloc_sgtables 0x085f30bd", "scsi_autopm_get_device 0xb7f48217 gpl",
                "scsi_autopm_put_device 0x1a2bcd51 gpl", "scsi_block_when_processing_errors 0x422bc484",
                "scsi_build_sense 0xbb0b18ac gpl", "scsi_change_queue_depth 0x3d6bfeb0",
                "scsi_check_sense 0xad97d319 gpl", "scsi_command_normalize_sense 0x08cc2415",
                "scsi_device_lookup 0x569be9a5", "scsi_register_driver 0x096a6514",
                "scsi_target_block 0xa214c2bb gpl",
            ],
            imports: [
                "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "scsi_build_sense_buffer 0x8112b3d2",
                "scsi_command_size_tbl 0x0334da4e", "scsi_device_type 0x72ea7b2d",
                "scsi_normalize_sense 0xfbad3cf0", "scsi_sense_desc_find 0x10d9f885", "scsilun_to_int 0xea3c8e4e",
            ],
            modinfo: ["license=GPL", "depends=scsi_common"]),
        Recorded(
            "virtio_scsi", "drivers/scsi/virtio_scsi.ko", size: 57_017,
            exports: [],
            imports: [
                "__scsi_execute 0x6d6fd5db", "__scsi_iterate_devices 0xc41b1246", "_dev_err 0x7a945ae2",
                "_printk 0x92997ed8", "register_virtio_driver 0x338f955d", "scmd_printk 0xba9c234b",
                "scsi_add_device 0xb7b62863", "scsi_add_host_with_dma 0xd294e0f7",
                "scsi_change_queue_depth 0x3d6bfeb0", "scsi_device_lookup 0x569be9a5",
                "unregister_virtio_driver 0x3a6fa8a0", "virtio_check_driver_offered_feature 0xe026fca7",
                "virtio_reset_device 0xdb9efc4c", "virtqueue_add_inbuf 0xeb4d03ea",
                "virtqueue_add_sgs 0x722bad81", "virtqueue_disable_cb 0x82866779",
                "virtqueue_enable_cb 0x16e7ede7", "virtqueue_get_buf 0x698c55bf",
                "virtqueue_get_vring_size 0x1408bd2f", "virtqueue_is_broken 0x8b8cda6d",
            ],
            modinfo: ["license=GPL", "alias=virtio:d00000008v*", "depends=scsi_mod,virtio,virtio_ring"]),
        Recorded(
            "sd_mod", "drivers/scsi/sd_mod.ko", size: 156_569,
            exports: [],
            imports: [
                "__scsi_execute 0x6d6fd5db", "_printk 0x92997ed8", "blk_mq_alloc_disk_for_queue 0x9a8e081a",
                "scmd_printk 0xba9c234b", "scsi_alloc_sgtables 0x085f30bd", "scsi_autopm_get_device 0xb7f48217",
                "scsi_autopm_put_device 0x1a2bcd51", "scsi_block_when_processing_errors 0x422bc484",
                "scsi_command_normalize_sense 0x08cc2415", "scsi_register_driver 0x096a6514",
            ],
            modinfo: [
                "license=GPL", "alias=scsi:t-0x14*", "alias=scsi:t-0x0e*", "alias=scsi:t-0x07*",
                "depends=scsi_mod",
            ]),
        Recorded(
            "libata", "drivers/ata/libata.ko", size: 820_025,
            exports: [
                "ata_dev_next 0xb1aac100 gpl", "ata_dev_set_feature 0x2ad10380 gpl",
                "ata_dummy_port_ops 0x323e6253 gpl", "ata_ehi_clear_desc 0xb8bf7448 gpl",
                "ata_ehi_push_desc 0x940371e4 gpl", "ata_host_activate 0xe9e22942 gpl",
                "ata_host_alloc_pinfo 0xd3e1f66d gpl", "ata_host_register 0x704832a2 gpl",
                "ata_host_resume 0x141c9d7d gpl", "ata_host_suspend 0x553ee4c1 gpl",
                "ata_link_next 0xc58ae0ec gpl", "ata_noop_qc_prep 0x1eb953d0 gpl",
                "ata_sas_async_probe 0xefddc3ff gpl", "ata_sas_port_alloc 0xf7e36155 gpl",
                "ata_scsi_slave_config 0x2f7211ec gpl",
            ],
            imports: [
                "__scsi_add_device 0x854fa833", "__scsi_execute 0x6d6fd5db", "__scsi_format_command 0x93022ba6",
                "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "scsi_add_host_with_dma 0xd294e0f7",
                "scsi_build_sense 0xbb0b18ac", "scsi_change_queue_depth 0x3d6bfeb0",
                "scsi_check_sense 0xad97d319", "scsi_command_size_tbl 0x0334da4e",
                "scsi_sense_desc_find 0x10d9f885", "scsi_set_sense_field_pointer 0x3ab7b1cc",
                "scsi_set_sense_information 0x818416e1",
            ],
            modinfo: ["license=GPL", "depends=scsi_common,scsi_mod"]),
        Recorded(
            "libahci", "drivers/ata/libahci.ko", size: 116_945,
            exports: [
                "ahci_check_ready 0xe06477a5 gpl", "ahci_dev_classify 0x881f04e5 gpl",
                "ahci_handle_port_intr 0x5e3bb584 gpl", "ahci_host_activate 0xbf018f6a gpl",
                "ahci_ignore_sss 0xea50dad3 gpl", "ahci_init_controller 0x8eafd6d0 gpl",
            ],
            imports: [
                "_dev_err 0x7a945ae2", "_dev_info 0xbb462483", "ata_dev_set_feature 0x2ad10380",
                "ata_dummy_port_ops 0x323e6253", "ata_ehi_clear_desc 0xb8bf7448", "ata_ehi_push_desc 0x940371e4",
                "ata_host_activate 0xe9e22942", "ata_host_register 0x704832a2",
            ],
            modinfo: ["license=GPL", "depends=libata"]),
        Recorded(
            "ahci", "drivers/ata/ahci.ko", size: 118_713,
            exports: [],
            imports: [
                "_dev_err 0x7a945ae2", "_dev_info 0xbb462483", "ahci_check_ready 0xe06477a5",
                "ahci_dev_classify 0x881f04e5", "ahci_handle_port_intr 0x5e3bb584",
                "ahci_host_activate 0xbf018f6a", "ahci_ignore_sss 0xea50dad3", "ahci_init_controller 0x8eafd6d0",
                "ata_dev_next 0xb1aac100", "ata_dummy_port_ops 0x323e6253", "ata_host_alloc_pinfo 0xd3e1f66d",
                "ata_host_resume 0x141c9d7d", "ata_host_suspend 0x553ee4c1", "ata_link_next 0xc58ae0ec",
                "ata_scsi_slave_config 0x2f7211ec",
            ],
            modinfo: [
                "license=GPL", "alias=pci:v*d*sv*sd*bc01sc06i01*", "alias=pci:v00000014d00007A08sv*sd*bc*sc*i*",
                "alias=pci:v00001C44d00008000sv*sd*bc*sc*i*", "depends=libahci,libata",
            ]),
        Recorded(
            "fat", "fs/fat/fat.ko", size: 190_169,
            exports: [
                "__fat_fs_error 0x38098128 gpl", "fat_add_entries 0xf8c0194f gpl",
                "fat_alloc_new_dir 0xfc89039c gpl", "fat_attach 0x062c5968 gpl", "fat_build_inode 0x1d586ebe gpl",
                "fat_detach 0x11b29e90 gpl",
            ],
            imports: ["_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1"],
            modinfo: ["license=GPL"]),
        Recorded(
            "vfat", "fs/fat/vfat.ko", size: 40_785,
            exports: [],
            imports: [
                "__fat_fs_error 0x38098128", "_ctype 0x11089ac7", "_raw_spin_lock 0xba8fbd64",
                "fat_add_entries 0xf8c0194f", "fat_alloc_new_dir 0xfc89039c", "fat_attach 0x062c5968",
                "fat_build_inode 0x1d586ebe", "fat_detach 0x11b29e90",
            ],
            modinfo: ["license=GPL", "alias=fs-vfat", "depends=fat"]),
        Recorded(
            "libphy", "drivers/net/phy/libphy.ko", size: 333_825,
            exports: [
                "__genphy_config_aneg 0x211fadfb", "__mdiobus_read 0x2b280099", "__mdiobus_register 0x56b4f9d1",
                "__mdiobus_write 0x2247322e", "__phy_modify 0x8af4ef0c gpl",
                "genphy_handle_interrupt_no_ack 0x3f2676e2", "genphy_read_abilities 0xa65dde93",
                "genphy_soft_reset 0x0fb6a645", "mdiobus_alloc_size 0x427586da", "mdiobus_free 0x017d958e",
                "mdiobus_get_phy 0x8a4eff20", "mdiobus_read 0x03f21433", "mdiobus_scan 0x0c597eaf",
                "mdiobus_unregister 0x4487e66f", "mdiobus_write 0xff181eaa", "phy_read_mmd 0xbfaee952",
            ],
            imports: ["_dev_err 0x7a945ae2", "_dev_info 0xbb462483"],
            modinfo: ["license=GPL"]),
        Recorded(
            "mdio_devres", "drivers/net/phy/mdio_devres.ko", size: 9_729,
            exports: ["__devm_mdiobus_register 0x5ce514bd", "devm_mdiobus_alloc_size 0x4fc7ea06"],
            imports: [
                "__mdiobus_register 0x56b4f9d1", "devres_add 0x3bcf2cac", "devres_find 0x1c1f19f2",
                "mdiobus_alloc_size 0x427586da", "mdiobus_free 0x017d958e", "mdiobus_unregister 0x4487e66f",
            ],
            modinfo: ["license=GPL", "depends=libphy"]),
        Recorded(
            "realtek", "drivers/net/phy/realtek.ko", size: 50_401,
            exports: [],
            imports: [
                "__genphy_config_aneg 0x211fadfb", "__mdiobus_read 0x2b280099", "__mdiobus_write 0x2247322e",
                "__phy_modify 0x8af4ef0c", "_dev_err 0x7a945ae2", "_dev_warn 0x156696d3",
                "genphy_handle_interrupt_no_ack 0x3f2676e2", "genphy_read_abilities 0xa65dde93",
            ],
            modinfo: ["license=GPL", "alias=mdio:0000000000011100110010??????????", "depends=libphy"]),
        Recorded(
            "r8169", "drivers/net/ethernet/realtek/r8169.ko", size: 217_937,
            exports: [],
            imports: [
                "__devm_mdiobus_register 0x5ce514bd", "__mdiobus_write 0x2247322e", "__phy_modify 0x8af4ef0c",
                "_dev_err 0x7a945ae2", "_dev_info 0xbb462483", "devm_mdiobus_alloc_size 0x4fc7ea06",
                "genphy_soft_reset 0x0fb6a645", "mdiobus_get_phy 0x8a4eff20", "mdiobus_read 0x03f21433",
                "mdiobus_write 0xff181eaa", "phy_read_mmd 0xbfaee952",
            ],
            modinfo: [
                "license=GPL", "alias=pci:v000010ECd00003000sv*sd*bc*sc*i*",
                "alias=pci:v000010ECd00008125sv*sd*bc*sc*i*", "alias=pci:v00000001d00008168sv*sd00002410bc*sc*i*",
                "softdep=pre: realtek", "depends=libphy,mdio_devres",
            ]),
        Recorded(
            "soundcore", "sound/soundcore.ko", size: 24_049,
            exports: [
                "register_sound_special_device 0xd9700e73", "sound_class 0x7d4c1319",
                "unregister_sound_special 0x99c95fa5",
            ],
            imports: ["_printk 0x92997ed8", "_raw_spin_lock 0xba8fbd64"],
            modinfo: ["license=GPL", "alias=char-major-14-*"]),
        Recorded(
            "snd", "sound/core/snd.ko", size: 269_969,
            exports: [
                "snd_card_file_add 0xf979f1f7", "snd_card_file_remove 0x253e3285", "snd_ctl_add 0x6b7e35bc",
                "snd_ctl_find_id_locked 0xd3a4bab9", "snd_ctl_find_numid_locked 0x60f46de8",
                "snd_ctl_get_preferred_subdevice 0xce4c2986 gpl", "snd_ctl_new1 0xc24e4040",
                "snd_ctl_register_ioctl 0x4d9fc163", "snd_device_initialize 0xb0c76424 gpl",
                "snd_device_new 0xb5bf3195", "snd_ecards_limit 0x3971b4df", "snd_fasync_free 0x5af762f1 gpl",
                "snd_fasync_helper 0x598de07b gpl", "snd_info_create_module_entry 0x0b95f74e",
                "snd_info_free_entry 0xc51a273a",
            ],
            imports: [
                "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1",
                "register_sound_special_device 0xd9700e73", "sound_class 0x7d4c1319",
                "unregister_sound_special 0x99c95fa5",
            ],
            modinfo: ["license=GPL", "alias=char-major-116-*", "depends=soundcore"]),
        Recorded(
            "snd_timer", "sound/core/snd-timer.ko", size: 93_785,
            exports: [
                "snd_timer_interrupt 0x024331db", "snd_timer_new 0x571ab2d3", "snd_timer_notify 0x25ca878a",
            ],
            imports: [
                "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "snd_device_initialize 0xb0c76424",
                "snd_device_new 0xb5bf3195", "snd_ecards_limit 0x3971b4df", "snd_fasync_free 0x5af762f1",
                "snd_fasync_helper 0x598de07b", "snd_info_create_module_entry 0x0b95f74e",
                "snd_info_free_entry 0xc51a273a",
            ],
            modinfo: ["license=GPL", "alias=devname:snd/timer", "alias=char-major-116-33", "depends=snd"]),
        Recorded(
            "snd_pcm", "sound/core/snd-pcm.ko", size: 344_105,
            exports: [
                "_snd_pcm_lib_alloc_vmalloc_buffer 0xba258ca9", "snd_pcm_hw_constraint_eld 0x1ecd2530 gpl",
                "snd_pcm_lib_free_vmalloc_buffer 0x5542839a",
            ],
            imports: [
                "_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1", "snd_card_file_add 0xf979f1f7",
                "snd_card_file_remove 0x253e3285", "snd_ctl_add 0x6b7e35bc",
                "snd_ctl_get_preferred_subdevice 0xce4c2986", "snd_ctl_new1 0xc24e4040",
                "snd_ctl_register_ioctl 0x4d9fc163", "snd_device_initialize 0xb0c76424",
                "snd_timer_interrupt 0x024331db", "snd_timer_new 0x571ab2d3", "snd_timer_notify 0x25ca878a",
            ],
            modinfo: ["license=GPL", "depends=snd,snd_timer"]),
        Recorded(
            "e1000e", "drivers/net/ethernet/intel/e1000e/e1000e.ko", size: 668_465,
            exports: [],
            imports: ["_copy_from_user 0x13c49cc2", "_copy_to_user 0x6b10bee1"],
            modinfo: [
                "license=GPL v2", "alias=pci:v00008086d00005511sv*sd*bc*sc*i*",
                "alias=pci:v00008086d00005510sv*sd*bc*sc*i*", "alias=pci:v00008086d0000550Fsv*sd*bc*sc*i*",
            ]),
        Recorded(
            "dummy", "drivers/net/dummy.ko", size: 17_497,
            exports: [],
            imports: ["alloc_netdev_mqs 0x82061d95", "consume_skb 0xce843816"],
            modinfo: ["license=GPL", "alias=rtnl-link-dummy"]),
    ]
    static let kernel61: [String] = [
        "0x13c49cc2 _copy_from_user EXPORT_SYMBOL",
        "0x6b10bee1 _copy_to_user EXPORT_SYMBOL",
        "0x11089ac7 _ctype EXPORT_SYMBOL",
        "0x7a945ae2 _dev_err EXPORT_SYMBOL",
        "0xbb462483 _dev_info EXPORT_SYMBOL",
        "0x156696d3 _dev_warn EXPORT_SYMBOL",
        "0x92997ed8 _printk EXPORT_SYMBOL",
        "0xba8fbd64 _raw_spin_lock EXPORT_SYMBOL",
        "0xb5b54b34 _raw_spin_unlock EXPORT_SYMBOL",
        "0x82061d95 alloc_netdev_mqs EXPORT_SYMBOL",
        "0x9a8e081a blk_mq_alloc_disk_for_queue EXPORT_SYMBOL",
        "0xce843816 consume_skb EXPORT_SYMBOL",
        "0x3bcf2cac devres_add EXPORT_SYMBOL_GPL",
        "0x1c1f19f2 devres_find EXPORT_SYMBOL_GPL",
    ]
}
