# fish completion for violin. Generated from oclif.manifest.json by scripts/gen-docs/: do not edit.
# Install as ~/.config/fish/completions/violin.fish, or in /usr/share/fish/vendor_completions.d/.
#
# Names of hosts, sites, environments and VMs come from `violin __complete KIND`, which
# reads only what violin keeps on this machine or in its store (never a host over SSH);
# each answer is kept 5 seconds per shell, for the same VIOLIN_* settings and directory.

# The words that may follow a topic or command ($argv[1]: its id, words joined by ':').
function __violin_subcommands
    switch "$argv[1]"
        case ''
            echo adapt agent autostart calibrate console define destroy dominfo domstats dumpxml env help host image list migrate plan predict reboot resume rule schedinfo schema setmem shutdown simulate start store suspend switch top undefine usage vacate
        case agent
            echo start status stop
        case env
            echo create define destroy info list migrate shutdown start undefine
        case host
            echo add check drain list rm sync undrain
        case image
            echo push
        case plan
            echo apply show
        case predict
            echo migration vacate
        case rule
            echo add list rm
        case rule:add
            echo affinity anti-affinity exclude pin
        case store
            echo copy status
        case switch
            echo fdb start status stop
    end
end

# The flags of a command ($argv[1]) that take a value.
function __violin_value_flags
    switch "$argv[1]"
        case adapt
            echo -c --connect --policy --interval --high --low --max-migrations --cooldown --hold --lease-ttl --min-gap
        case agent
            echo --address --dir --data-port --control-port --hello --store --host --sample-interval --driver --connect --nic --credentials
        case agent:start
            echo -H --host --sample-interval
        case agent:status
            echo --dir
        case agent:stop
            echo --dir --wait
        case autostart
            echo -c --connect -H --host
        case calibrate
            echo --format --csv --export --plot
        case console
            echo -c --connect -H --host
        case define
            echo -c --connect -H --host
        case destroy
            echo -c --connect -H --host
        case dominfo
            echo -c --connect -H --host --format
        case domstats
            echo -c --connect -H --host --format --seconds
        case dumpxml
            echo -c --connect -H --host
        case env:create
            echo --vms --head-site --vcpus --memory --max-memory --kernel --initrd --cmdline --image --disk-size --dataplane --underlay-mtu --placement -H --host
        case env:define
            echo -f --file
        case env:info
            echo --format
        case env:list
            echo --format
        case env:migrate
            echo --site --max-parallel
        case env:shutdown
            echo --timeout
        case host:add
            echo --ssh --site --driver --uri -i --identity --domain-type --cpu-overcommit --agent-command --agent-dir --nic
        case host:check
            echo -c --connect --format
        case host:list
            echo --format
        case host:sync
            echo --format
        case image:push
            echo --dir
        case list
            echo -c --connect -H --host -s --site --format
        case migrate
            echo -c --connect -H --host --bandwidth --timeout
        case plan
            echo -c --connect --policy --interval --save --high --low --max-migrations --cooldown --hold
        case plan:apply
            echo -c --connect --max-parallel --max-age --interval
        case predict:migration
            echo --format --memory --sent --used --dirty-rate --bandwidth --mode --concurrent
        case predict:vacate
            echo -c --connect --format --strategy --max-parallel --by --interval
        case reboot
            echo -c --connect -H --host
        case resume
            echo -c --connect -H --host
        case rule:add:exclude
            echo --name
        case rule:add:pin
            echo --host --site --name
        case rule:list
            echo --format
        case schedinfo
            echo -c --connect -H --host --format --set
        case setmem
            echo -c --connect -H --host --wait
        case shutdown
            echo -c --connect -H --host --timeout
        case simulate
            echo --format --policy --compare --plot
        case start
            echo -c --connect -H --host
        case store:copy
            echo --to
        case store:status
            echo --format
        case suspend
            echo -c --connect -H --host
        case switch:fdb
            echo -H --host --format
        case switch:start
            echo --dataplane --underlay-mtu
        case switch:status
            echo --format
        case top
            echo -c --connect -H --host -s --site --format -i --interval --sort --count
        case undefine
            echo -c --connect -H --host
        case usage
            echo -c --connect -H --host -s --site --format -i --interval --count --env
        case vacate
            echo -c --connect --format --max-parallel --interval
    end
end

# Where the cursor is: sets __violin_at to the topic or command the words before it name,
# the number of arguments typed after it (past flags and their values), whether the line
# asks for help, and the --connect target on the line. Computed once per command line.
function __violin_where
    set -l line (commandline -pc)
    test "$line" = "$__violin_where_line"; and return
    set -g __violin_where_line $line
    set -l words (commandline -opc)
    set -e words[1]
    set -l help 0
    if test "$words[1]" = help
        set help 1
        set -e words[1]
    end
    set -l id ''
    while set -q words[1]; and contains -- $words[1] (string split ' ' -- (__violin_subcommands $id))
        set id (string join : -- (string split -n : -- $id) $words[1])
        set -e words[1]
    end
    set -l n 0
    set -l target ''
    set -l value_flags (string split ' ' -- (__violin_value_flags $id))
    while set -q words[1]
        set -l w $words[1]
        set -e words[1]
        if test "$w" = --
            set n (math $n + (count $words))
            break
        else if string match -qr -- '^--connect=' $w
            set target (string replace -- '--connect=' '' $w)
        else if string match -qr -- '^-.' $w
            if contains -- $w $value_flags; and set -q words[1]
                contains -- $w --connect -c; and set target $words[1]
                set -e words[1]
            end
        else
            set n (math $n + 1)
        end
    end
    set -g __violin_at $id $n $help $target
end

# True when the next word may be a subcommand of $argv[1] (the top: no argument).
function __violin_can_name
    __violin_where
    test "$__violin_at[1]" = "$argv[1]"; and test $__violin_at[2] -eq 0
end

# True when the words before the cursor name the command $argv[1].
function __violin_is
    __violin_where
    test "$__violin_at[1]" = "$argv[1]"; and test $__violin_at[3] -eq 0
end

# True when the next word is argument $argv[2] of the command $argv[1] (N+: N or later).
function __violin_arg
    __violin_is $argv[1]; or return
    set -l n (math $__violin_at[2] + 1)
    set -l want (string replace '+' '' -- $argv[2])
    test $n -eq $want; or begin
        string match -q -- '*+' $argv[2]; and test $n -gt $want
    end
end

# The names of kind $argv[1] (host, site, env, vm, rule), for the --connect target on the line if any.
function __violin_names
    __violin_where
    set -l kind $argv[1]
    set -l target "$__violin_at[4]"
    set -l key "$kind|$target|$VIOLIN_HOME|$VIOLIN_STORE|$VIOLIN_CONNECT|$VIOLIN_STATE_DIR|$XDG_CONFIG_HOME|$PWD"
    set -l now (date +%s)
    set -l var __violin_names_$kind
    set -l cached $$var
    if test "$cached[1]" != "$key"; or test (math $now - $cached[2]) -ge 5
        set cached $key $now (command violin __complete $kind "$target" 2>/dev/null)
        set -g $var $cached
    end
    string join \n -- $cached[3..-1]
end

# no file names unless a flag or argument takes a file
complete -c violin -f
complete -c violin -n '__violin_can_name ' -a adapt -d 'Watch every host and adapt: grow shares and memory where a host can, migrate where it cannot.'
complete -c violin -n '__violin_can_name ' -a agent -d 'Run this host\'s agent: the userspace switches of the udp data plane, or (--store) its usage sampler.'
complete -c violin -n '__violin_can_name ' -a autostart -d 'Start a VM when its host boots, like virsh autostart; --disable stops that.'
complete -c violin -n '__violin_can_name ' -a calibrate -d 'Fit the migration-time models to measured migrations.'
complete -c violin -n '__violin_can_name ' -a console -d 'Attach to a VM\'s serial console, like virsh console; Ctrl-] leaves.'
complete -c violin -n '__violin_can_name ' -a define -d 'Define a VM from a file in its host\'s own format, like virsh define; it stays off.'
complete -c violin -n '__violin_can_name ' -a destroy -d 'Power a VM off at once, like virsh destroy: nothing is deleted.'
complete -c violin -n '__violin_can_name ' -a dominfo -d 'Show one VM: host, state, vCPUs, memory, CPU time.'
complete -c violin -n '__violin_can_name ' -a domstats -d 'Show one VM\'s raw counters, as the hypervisor gives them.'
complete -c violin -n '__violin_can_name ' -a dumpxml -d 'Print a VM\'s definition, like virsh dumpxml: libvirt XML; for xl the xl.cfg violin keeps.'
complete -c violin -n '__violin_can_name ' -a env -d 'Environments: a head node and compute nodes, created, started, moved, powered off (env destroy) and deleted (env undefine) together'
complete -c violin -n '__violin_can_name ' -a help -d 'Print the help of violin or of a command.'
complete -c violin -n '__violin_can_name ' -a host -d 'Register, check and reconcile the hosts violin manages'
complete -c violin -n '__violin_can_name ' -a image -d 'Read-only VM images kept at the same path on every host'
complete -c violin -n '__violin_can_name ' -a list -d 'List the VMs of every host, like virsh list.'
complete -c violin -n '__violin_can_name ' -a migrate -d 'Move a VM to another host of the inventory.'
complete -c violin -n '__violin_can_name ' -a plan -d 'Plan one adaptation pass without acting: review it, save it, apply it later.'
complete -c violin -n '__violin_can_name ' -a predict -d 'Estimate migration times from calibrated models'
complete -c violin -n '__violin_can_name ' -a reboot -d 'Ask a VM\'s guest to reboot, like virsh reboot.'
complete -c violin -n '__violin_can_name ' -a resume -d 'Resume a suspended VM, like virsh resume (xl unpause).'
complete -c violin -n '__violin_can_name ' -a rule -d 'Placement rules kept in the inventory (pin, exclude, anti-affinity, affinity), honoured by the adaptation loop, vacate and env create'
complete -c violin -n '__violin_can_name ' -a schedinfo -d 'Show or set a VM\'s CPU share (weight) and cap.'
complete -c violin -n '__violin_can_name ' -a schema -d 'Print the JSON Schema of a file you write by hand, for your editor to check it as you type.'
complete -c violin -n '__violin_can_name ' -a setmem -d 'Change a VM\'s memory allocation (balloon), like virsh setmem.'
complete -c violin -n '__violin_can_name ' -a shutdown -d 'Ask a VM\'s guest to power off (ACPI), like virsh shutdown.'
complete -c violin -n '__violin_can_name ' -a simulate -d 'Run the adaptation policies against a simulated scenario: run times, migrations, a timeline.'
complete -c violin -n '__violin_can_name ' -a start -d 'Start a VM that is shut off, on the host it is defined on, like virsh start.'
complete -c violin -n '__violin_can_name ' -a store -d 'Where violin keeps its state (files, or an etcd cluster shared by several admin machines): status, copy'
complete -c violin -n '__violin_can_name ' -a suspend -d 'Pause a VM\'s vCPUs, keeping its memory, like virsh suspend (xl pause).'
complete -c violin -n '__violin_can_name ' -a switch -d 'Each environment\'s own Ethernet across its hosts: start, stop, status, learned MACs'
complete -c violin -n '__violin_can_name ' -a top -d 'A full-screen live view of the fleet, like virt-top: hosts, the busiest VMs, VM pairs and the latest decisions.'
complete -c violin -n '__violin_can_name ' -a undefine -d 'Forget a VM\'s definition, like virsh undefine; it must be off.'
complete -c violin -n '__violin_can_name ' -a usage -d 'Poll every host: per-VM CPU and memory, per-host CPU, free memory, swap writes and NIC use.'
complete -c violin -n '__violin_can_name ' -a vacate -d 'Move every VM off hosts (for maintenance or a reservation), spread over the hosts that fit.'
complete -c violin -n '__violin_can_name agent' -a start -d 'Start a host\'s usage sampler over SSH, and take its usage from the shared store from then on.'
complete -c violin -n '__violin_can_name agent' -a status -d 'Say whether this host\'s agent runs, and what it holds.'
complete -c violin -n '__violin_can_name agent' -a stop -d 'Stop this host\'s agent (its VMs on the udp data plane lose their network until it runs again).'
complete -c violin -n '__violin_can_name env' -a create -d 'Create an environment: a head node and compute nodes, placed where they fit, defined and started.'
complete -c violin -n '__violin_can_name env' -a define -d 'Create an environment from a YAML description (the declarative env create).'
complete -c violin -n '__violin_can_name env' -a destroy -d 'Power off every VM of an environment at once, like virsh destroy: nothing is deleted.'
complete -c violin -n '__violin_can_name env' -a info -d 'Show the VMs of an environment: role, host, state, MAC, size.'
complete -c violin -n '__violin_can_name env' -a list -d 'List the environments of the inventory, with how many of their VMs run.'
complete -c violin -n '__violin_can_name env' -a migrate -d 'Move the compute nodes of an environment to another site; the head node stays home.'
complete -c violin -n '__violin_can_name env' -a shutdown -d 'Ask every running VM of an environment to power off (ACPI), like virsh shutdown.'
complete -c violin -n '__violin_can_name env' -a start -d 'Start the VMs of an environment that are shut off.'
complete -c violin -n '__violin_can_name env' -a undefine -d 'Delete an environment: power off and undefine every VM, remove its files, its switch and its record.'
complete -c violin -n '__violin_can_name host' -a add -d 'Register a host in the inventory.'
complete -c violin -n '__violin_can_name host' -a check -d 'Connect to hosts and discover cores, memory, hypervisor and tools.'
complete -c violin -n '__violin_can_name host' -a drain -d 'Put a host in maintenance: placement and the adaptation loop put nothing new there.'
complete -c violin -n '__violin_can_name host' -a list -d 'List the hosts of the inventory.'
complete -c violin -n '__violin_can_name host' -a rm -d 'Remove a host from the inventory (its VMs are not touched).'
complete -c violin -n '__violin_can_name host' -a sync -d 'Compare the VMs found on hosts with the inventory and report drift.'
complete -c violin -n '__violin_can_name host' -a undrain -d 'Take a host out of maintenance: it may take new VMs again.'
complete -c violin -n '__violin_can_name image' -a push -d 'Copy a read-only VM image to hosts over SSH, checked by SHA-256.'
complete -c violin -n '__violin_can_name plan' -a apply -d 'Carry out a saved plan: each action re-checked against the hosts now; those whose premise no longer holds are refused.'
complete -c violin -n '__violin_can_name plan' -a show -d 'Print a saved plan: its actions, their reasons, and the state they assumed.'
complete -c violin -n '__violin_can_name predict' -a migration -d 'Estimate how long one live (or stop-and-copy) migration takes, and its downtime.'
complete -c violin -n '__violin_can_name predict' -a vacate -d 'Estimate how long moving every VM off hosts takes, and when to start for a reservation.'
complete -c violin -n '__violin_can_name rule' -a add -d 'Add a placement rule: pin a VM to a host or site, exclude VMs from the loop, keep VMs apart or together'
complete -c violin -n '__violin_can_name rule' -a list -d 'List the placement rules of the inventory.'
complete -c violin -n '__violin_can_name rule' -a rm -d 'Remove placement rules from the inventory.'
complete -c violin -n '__violin_can_name rule:add' -a affinity -d 'Keep VMs together: always on one host, moved together.'
complete -c violin -n '__violin_can_name rule:add' -a anti-affinity -d 'Keep VMs apart: never two of them on one host.'
complete -c violin -n '__violin_can_name rule:add' -a exclude -d 'Exclude VMs from the adaptation loop: it never moves or resizes them.'
complete -c violin -n '__violin_can_name rule:add' -a pin -d 'Pin a VM to a host or a site: it is only ever placed on, or moved to, that host or a host of that site.'
complete -c violin -n '__violin_can_name store' -a copy -d 'Copy the store in force into another store (files to etcd, etcd to files, or etcd to etcd), then verify the copy.'
complete -c violin -n '__violin_can_name store' -a status -d 'Show where violin keeps its state: the backend, its members and their health, and the revision.'
complete -c violin -n '__violin_can_name switch' -a fdb -d 'Show the MAC addresses an environment\'s switches have learned, and where each is.'
complete -c violin -n '__violin_can_name switch' -a start -d 'Start an environment\'s own Ethernet on every host that has one of its VMs.'
complete -c violin -n '__violin_can_name switch' -a status -d 'Show environments\' switches on each of their hosts: up, peers, learned MACs, frames.'
complete -c violin -n '__violin_can_name switch' -a stop -d 'Take an environment\'s Ethernet down on every host (its VMs lose their network).'
complete -c violin -n '__violin_is \'\'' -l help -d 'Show help'
complete -c violin -n '__violin_is \'\'' -l version -d 'Show the version'
complete -c violin -n '__violin_is adapt' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is adapt' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is adapt' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is adapt' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is adapt' -l policy -x -a 'violin idc sandpiper none' -d 'The adaptation policy.'
complete -c violin -n '__violin_is adapt' -l interval -x -d 'Seconds each pass measures over [default: 10; on a scenario, its interval_s].'
complete -c violin -n '__violin_is adapt' -l once -d 'One pass, then exit (for cron: prints what it did, nothing when it did nothing).'
complete -c violin -n '__violin_is adapt' -s n -l dry-run -d 'Plan and print; change nothing.'
complete -c violin -n '__violin_is adapt' -l high -x -d 'violin policy: a VM using more of its CPU than this is high-demand [default: 0.75].'
complete -c violin -n '__violin_is adapt' -l low -x -d 'violin policy: a VM using less than this gives shares and memory back [default: 0.25].'
complete -c violin -n '__violin_is adapt' -l max-migrations -x -d 'At most this many migrations per pass (an environment move counts once) [default: 2].'
complete -c violin -n '__violin_is adapt' -l cooldown -x -d 'Seconds after its last move before a VM may move again [default: 600].'
complete -c violin -n '__violin_is adapt' -l hold -x -d 'Samples in a row a host must stay over a threshold before it is acted on [default: 2].'
complete -c violin -n '__violin_is adapt' -l lease-ttl -x -d 'In the foreground against etcd: seconds a dead leader keeps the leadership before a standby takes over.'
complete -c violin -n '__violin_is adapt' -l min-gap -x -d 'With --once: skip the pass (exit 0) when another one, on any machine sharing the store, ran less than this ago.'
complete -c violin -n '__violin_is adapt' -l help -d 'Show help for command'
complete -c violin -n '__violin_is agent' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is agent' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is agent' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is agent' -l address -x -d 'The underlay address other hosts reach this one at (default: the one in the state file).'
complete -c violin -n '__violin_is agent' -l dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'Directory of the socket, PID file, log and state.'
complete -c violin -n '__violin_is agent' -l data-port -x -d 'UDP port of the data plane (VXLAN-framed).'
complete -c violin -n '__violin_is agent' -l control-port -x -d 'UDP port of the control plane.'
complete -c violin -n '__violin_is agent' -l hello -x -d 'Milliseconds between hellos to peers; a peer silent 3.5 times that is dropped.'
complete -c violin -n '__violin_is agent' -l detach -d 'Run in the background; return once the agent answers (the sampler: once its first sample is in the store).'
complete -c violin -n '__violin_is agent' -l store -x -d 'Be the usage sampler: write this host\'s samples to this etcd store.'
complete -c violin -n '__violin_is agent' -l host -x -a '(__violin_names host)' -d 'With --store: the name of this host in the inventory.'
complete -c violin -n '__violin_is agent' -l sample-interval -x -d 'With --store: seconds between samples; the sample lives three of them.'
complete -c violin -n '__violin_is agent' -l driver -x -a 'libvirt xl' -d 'With --store: the local hypervisor driver.'
complete -c violin -n '__violin_is agent' -l connect -x -d 'With --store: the libvirt URI to sample (default qemu:///system).'
complete -c violin -n '__violin_is agent' -l nic -x -d 'With --store: the NIC whose traffic is the host\'s network load (default: the default route\'s).'
complete -c violin -n '__violin_is agent' -l credentials -r -F -d 'With --store: a file (mode 600) of VIOLIN_ETCD_* lines: the etcd user, password and TLS files.'
complete -c violin -n '__violin_is agent' -l help -d 'Show help for command'
complete -c violin -n '__violin_is agent:start' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is agent:start' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is agent:start' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is agent:start' -s H -l host -x -a '(__violin_names host)' -d 'The host (repeatable).'
complete -c violin -n '__violin_is agent:start' -l sample-interval -x -d 'Seconds between samples; a sample lives three of them.'
complete -c violin -n '__violin_is agent:start' -l help -d 'Show help for command'
complete -c violin -n '__violin_is agent:status' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is agent:status' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is agent:status' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is agent:status' -l dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'Directory of the socket, PID file, log and state.'
complete -c violin -n '__violin_is agent:status' -l help -d 'Show help for command'
complete -c violin -n '__violin_is agent:stop' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is agent:stop' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is agent:stop' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is agent:stop' -l dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'Directory of the socket, PID file, log and state.'
complete -c violin -n '__violin_is agent:stop' -l sampler -d 'Stop the usage sampler (violin agent --store) instead of the switch agent.'
complete -c violin -n '__violin_is agent:stop' -l wait -x -d 'Seconds to wait for it to exit.'
complete -c violin -n '__violin_is agent:stop' -l help -d 'Show help for command'
complete -c violin -n '__violin_is autostart' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is autostart' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is autostart' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is autostart' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is autostart' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is autostart' -l disable -d 'Do not start it at boot.'
complete -c violin -n '__violin_is autostart' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg autostart 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is calibrate' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is calibrate' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is calibrate' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is calibrate' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is calibrate' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is calibrate' -l from-history -d 'Use the recorded migrations (the default without --csv; with it, both).'
complete -c violin -n '__violin_is calibrate' -l csv -r -F -d 'Also (or only, without --from-history) fit these measurements.'
complete -c violin -n '__violin_is calibrate' -l show -d 'Print the stored calibration; fit nothing.'
complete -c violin -n '__violin_is calibrate' -l export -r -F -d 'Write the recorded migrations as CSV to FILE (- for stdout); fit nothing.'
complete -c violin -n '__violin_is calibrate' -l plot -r -F -d 'Also draw each fit against its measured points, as SVG.'
complete -c violin -n '__violin_is calibrate' -l simulated -d 'Fit the migrations of simulated runs (sim: targets and hosts, recorded in the state dir\'s sim/) instead of the real ones; the fit is stored as any other, its source naming them.'
complete -c violin -n '__violin_is calibrate' -l help -d 'Show help for command'
complete -c violin -n '__violin_is console' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is console' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is console' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is console' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is console' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is console' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg console 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is define' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is define' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is define' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is define' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is define' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is define' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg define 1' -F
complete -c violin -n '__violin_is destroy' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is destroy' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is destroy' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is destroy' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is destroy' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is destroy' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg destroy 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is dominfo' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is dominfo' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is dominfo' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is dominfo' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is dominfo' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is dominfo' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is dominfo' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is dominfo' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg dominfo 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is domstats' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is domstats' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is domstats' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is domstats' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is domstats' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is domstats' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is domstats' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is domstats' -l dirty-rate -d 'Also measure its memory in use and dirty rate (takes --seconds).'
complete -c violin -n '__violin_is domstats' -l seconds -x -d 'How long --dirty-rate measures [default: 1].'
complete -c violin -n '__violin_is domstats' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg domstats 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is dumpxml' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is dumpxml' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is dumpxml' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is dumpxml' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is dumpxml' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is dumpxml' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg dumpxml 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is env:create' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:create' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:create' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:create' -l vms -x -d 'How many VMs, the head node included.'
complete -c violin -n '__violin_is env:create' -l head-site -x -a '(__violin_names site)' -d 'The site of the head node (it never leaves it).'
complete -c violin -n '__violin_is env:create' -l vcpus -x -d 'vCPUs per VM.'
complete -c violin -n '__violin_is env:create' -l memory -x -d 'Memory per VM: 256M, 1G (a bare number is MiB).'
complete -c violin -n '__violin_is env:create' -l max-memory -x -d 'What the balloon may grow each VM to (default: --memory; a bare number is MiB).'
complete -c violin -n '__violin_is env:create' -l kernel -r -F -d 'Boot this kernel directly; the file must be on every host.'
complete -c violin -n '__violin_is env:create' -l initrd -r -F -d 'Initramfs for --kernel.'
complete -c violin -n '__violin_is env:create' -l cmdline -x -d 'Kernel command line for --kernel.'
complete -c violin -n '__violin_is env:create' -l image -r -F -d 'A read-only root image present on every host: a name in /var/lib/violin/images (violin image push) or a path. With --kernel, that kernel boots and the image is its root disk.'
complete -c violin -n '__violin_is env:create' -l disk-size -x -d 'Give each VM a private writable disk of this size, like 2G (a bare number is MiB; it moves with --copy-storage-all).'
complete -c violin -n '__violin_is env:create' -l dataplane -x -a 'vxlan udp none' -d 'The environment\'s own Ethernet: its switch is started on the VMs\' hosts before they are defined, and their NICs join it (vxlan: kernel bridge + VXLAN, no agent; udp: the hosts\' agents; none: a NIC on nothing).'
complete -c violin -n '__violin_is env:create' -l underlay-mtu -x -d 'The MTU every host\'s underlay (and the path between them) carries; VMs get 50 bytes less (default 1500: VM MTU 1450).'
complete -c violin -n '__violin_is env:create' -l auth-data -d 'On the udp data plane, sign every data frame with the environment key too (a kernel VXLAN peer cannot join then).'
complete -c violin -n '__violin_is env:create' -l placement -x -a 'spread pack' -d 'spread: as many hosts as possible; pack: as few.'
complete -c violin -n '__violin_is env:create' -s H -l host -x -a '(__violin_names host)' -d 'Only place VMs on this host (repeat for several).'
complete -c violin -n '__violin_is env:create' -l start -d 'Start the VMs once defined.'
complete -c violin -n '__violin_is env:create' -l no-start -d 'Start the VMs once defined.'
complete -c violin -n '__violin_is env:create' -s n -l dry-run -d 'Show where the VMs would go; change nothing.'
complete -c violin -n '__violin_is env:create' -l help -d 'Show help for command'
complete -c violin -n '__violin_is env:define' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:define' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:define' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:define' -s f -l file -r -F -d 'The YAML description.'
complete -c violin -n '__violin_is env:define' -l start -d 'Start the VMs once defined.'
complete -c violin -n '__violin_is env:define' -l no-start -d 'Start the VMs once defined.'
complete -c violin -n '__violin_is env:define' -s n -l dry-run -d 'Show where the VMs would go; change nothing.'
complete -c violin -n '__violin_is env:define' -l help -d 'Show help for command'
complete -c violin -n '__violin_is env:destroy' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:destroy' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:destroy' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:destroy' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg env:destroy 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is env:info' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:info' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:info' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:info' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is env:info' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is env:info' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg env:info 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is env:list' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:list' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:list' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:list' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is env:list' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is env:list' -l status -d 'Ask the hosts how many VMs run.'
complete -c violin -n '__violin_is env:list' -l no-status -d 'Ask the hosts how many VMs run.'
complete -c violin -n '__violin_is env:list' -l help -d 'Show help for command'
complete -c violin -n '__violin_is env:migrate' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:migrate' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:migrate' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:migrate' -l site -x -a '(__violin_names site)' -d 'The site to move the compute nodes to.'
complete -c violin -n '__violin_is env:migrate' -l max-parallel -x -d 'Migrations at once.'
complete -c violin -n '__violin_is env:migrate' -l offline -d 'Pause the VMs while they move (not live).'
complete -c violin -n '__violin_is env:migrate' -l copy-storage-all -d 'Copy private writable disks along (sites share no storage).'
complete -c violin -n '__violin_is env:migrate' -s n -l dry-run -d 'Show the moves; change nothing.'
complete -c violin -n '__violin_is env:migrate' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg env:migrate 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is env:shutdown' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:shutdown' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:shutdown' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:shutdown' -l wait -d 'Wait until every VM is off.'
complete -c violin -n '__violin_is env:shutdown' -l timeout -x -d 'With --wait, give up after this many seconds.'
complete -c violin -n '__violin_is env:shutdown' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg env:shutdown 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is env:start' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:start' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:start' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:start' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg env:start 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is env:undefine' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is env:undefine' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is env:undefine' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is env:undefine' -s y -l yes -d 'Do not ask for confirmation.'
complete -c violin -n '__violin_is env:undefine' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg env:undefine 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is help' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is help' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is help' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is help' -s n -l nested-commands -d 'List the commands of every topic, not only the top level.'
complete -c violin -n '__violin_is help' -l help -d 'Show help for command'
complete -c violin -n '__violin_is host:add' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:add' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:add' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:add' -l ssh -x -d 'Reach the host over SSH as USER@ADDR[:PORT].'
complete -c violin -n '__violin_is host:add' -l local -d 'The host is this machine (no SSH).'
complete -c violin -n '__violin_is host:add' -l site -x -a '(__violin_names site)' -d 'The site (cluster, administrative domain) the host belongs to.'
complete -c violin -n '__violin_is host:add' -l driver -x -a 'libvirt xl sim' -d 'Hypervisor driver.'
complete -c violin -n '__violin_is host:add' -l uri -r -F -d 'libvirt URI on the host (default qemu:///system); for sim, the cluster file.'
complete -c violin -n '__violin_is host:add' -s i -l identity -r -F -d 'SSH private key file (default: ssh-agent, then ~/.ssh/id_*).'
complete -c violin -n '__violin_is host:add' -l domain-type -x -a 'kvm qemu' -d 'libvirt domain type for VMs violin defines here (default: kvm when the host offers it, else qemu).'
complete -c violin -n '__violin_is host:add' -l cpu-overcommit -x -d 'vCPUs that placement may put on this host per core, at most 64 (default 1: no overcommit).'
complete -c violin -n '__violin_is host:add' -l agent-command -x -d 'How to run violin on the host, to start its agent (default: violin), split at spaces.'
complete -c violin -n '__violin_is host:add' -l agent-dir -x -d 'The agent\'s directory on the host (default /var/lib/violin/agent).'
complete -c violin -n '__violin_is host:add' -l agent-store -d 'Take the host\'s usage from its agent\'s samples in the shared store (violin agent --store), not by polling it over SSH.'
complete -c violin -n '__violin_is host:add' -l nic -x -d 'The NIC whose traffic is the host\'s network load (default: the device of the default route).'
complete -c violin -n '__violin_is host:add' -l force -d 'Replace a host of the same name.'
complete -c violin -n '__violin_is host:add' -l help -d 'Show help for command'
complete -c violin -n '__violin_is host:check' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:check' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is host:check' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:check' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:check' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is host:check' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is host:check' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg host:check 1+' -a '(__violin_names host)'
complete -c violin -n '__violin_is host:drain' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:drain' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:drain' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:drain' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg host:drain 1' -a '(__violin_names host)'
complete -c violin -n '__violin_is host:list' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:list' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:list' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:list' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is host:list' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is host:list' -l help -d 'Show help for command'
complete -c violin -n '__violin_is host:rm' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:rm' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:rm' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:rm' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg host:rm 1' -a '(__violin_names host)'
complete -c violin -n '__violin_is host:sync' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:sync' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:sync' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:sync' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is host:sync' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is host:sync' -l write -d 'Update the inventory to match the hosts.'
complete -c violin -n '__violin_is host:sync' -l exit-code -d 'Exit 1 when there is drift (like git diff --exit-code).'
complete -c violin -n '__violin_is host:sync' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg host:sync 1+' -a '(__violin_names host)'
complete -c violin -n '__violin_is host:undrain' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is host:undrain' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is host:undrain' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is host:undrain' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg host:undrain 1' -a '(__violin_names host)'
complete -c violin -n '__violin_is image:push' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is image:push' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is image:push' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is image:push' -l dir -x -d 'Directory on the hosts.'
complete -c violin -n '__violin_is image:push' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg image:push 1' -F
complete -c violin -n '__violin_arg image:push 2+' -a '(__violin_names host)'
complete -c violin -n '__violin_is list' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is list' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is list' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is list' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is list' -s H -l host -x -a '(__violin_names host)' -d 'Only this host (repeat for several).'
complete -c violin -n '__violin_is list' -s s -l site -x -a '(__violin_names site)' -d 'Only the hosts of this site.'
complete -c violin -n '__violin_is list' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is list' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is list' -s a -l all -d 'Include VMs that are shut off.'
complete -c violin -n '__violin_is list' -l name -d 'Print only VM names, one a line.'
complete -c violin -n '__violin_is list' -l help -d 'Show help for command'
complete -c violin -n '__violin_is migrate' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is migrate' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is migrate' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is migrate' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is migrate' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is migrate' -l live -d 'Live migration: the VM keeps running while its memory is copied.'
complete -c violin -n '__violin_is migrate' -l bandwidth -x -d 'Limit the copy to this many MiB/s.'
complete -c violin -n '__violin_is migrate' -l timeout -x -d 'After this many seconds of live copy, pause the VM so it finishes (virsh --timeout).'
complete -c violin -n '__violin_is migrate' -l auto-converge -d 'Throttle the guest\'s vCPUs until the copy keeps up with what it dirties (virsh --auto-converge; not on xl).'
complete -c violin -n '__violin_is migrate' -l postcopy -d 'After one pre-copy pass, run the VM on the destination and fetch the rest on demand: it always ends, after one short pause (virsh --postcopy --postcopy-after-precopy; not on xl). A link failure after the switch loses the VM.'
complete -c violin -n '__violin_is migrate' -l copy-storage-all -d 'Copy the VM\'s writable disks to the destination (hosts share no storage).'
complete -c violin -n '__violin_is migrate' -l p2p -d 'The source\'s libvirtd connects to the destination itself (virsh --p2p).'
complete -c violin -n '__violin_is migrate' -l offline -d 'Move a shut-off VM\'s definition only (it stays off).'
complete -c violin -n '__violin_is migrate' -s n -l dry-run -d 'Show the migration without doing it.'
complete -c violin -n '__violin_is migrate' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg migrate 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_arg migrate 2' -a '(__violin_names host)'
complete -c violin -n '__violin_is plan' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is plan' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is plan' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is plan' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is plan' -l policy -x -a 'violin idc sandpiper none' -d 'The adaptation policy.'
complete -c violin -n '__violin_is plan' -l interval -x -d 'Seconds to measure the hosts over [default: 10; on a scenario, its interval_s].'
complete -c violin -n '__violin_is plan' -l save -r -F -d 'Write the plan to this file (JSON), for plan show and plan apply.'
complete -c violin -n '__violin_is plan' -l high -x -d 'violin policy: a VM using more of its CPU than this is high-demand [default: 0.75].'
complete -c violin -n '__violin_is plan' -l low -x -d 'violin policy: a VM using less than this gives shares and memory back [default: 0.25].'
complete -c violin -n '__violin_is plan' -l max-migrations -x -d 'At most this many migrations per pass (an environment move counts once) [default: 2].'
complete -c violin -n '__violin_is plan' -l cooldown -x -d 'Seconds after its last move before a VM may move again [default: 600].'
complete -c violin -n '__violin_is plan' -l hold -x -d 'Samples in a row a host must stay over a threshold before it is acted on [default: 2].'
complete -c violin -n '__violin_is plan' -l help -d 'Show help for command'
complete -c violin -n '__violin_is plan:apply' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is plan:apply' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is plan:apply' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is plan:apply' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is plan:apply' -s y -l yes -d 'Apply without asking (needed off a terminal).'
complete -c violin -n '__violin_is plan:apply' -s n -l dry-run -d 'Check each action against the hosts now and print the verdicts; do nothing.'
complete -c violin -n '__violin_is plan:apply' -l max-parallel -x -d 'Actions at once (one host: in the plan\'s order).'
complete -c violin -n '__violin_is plan:apply' -l max-age -x -d 'Refuse a plan made longer ago than this (90s, 30m, 1h, 2d).'
complete -c violin -n '__violin_is plan:apply' -l interval -x -d 'Seconds to read the hosts over before checking.'
complete -c violin -n '__violin_is plan:apply' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg plan:apply 1' -F
complete -c violin -n '__violin_is plan:show' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is plan:show' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is plan:show' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is plan:show' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg plan:show 1' -F
complete -c violin -n '__violin_is predict:migration' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is predict:migration' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is predict:migration' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is predict:migration' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is predict:migration' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is predict:migration' -l memory -x -d 'The guest\'s memory (512M, 2GiB; a bare number is MiB).'
complete -c violin -n '__violin_is predict:migration' -l sent -x -d 'What the first round sends (non-zero pages; a bare number is MiB), at most --memory [default: as calibrated, else all the memory].'
complete -c violin -n '__violin_is predict:migration' -l used -x -d 'Memory the guest holds (as violin domstats VM --dirty-rate measures it; a bare number is MiB): the first round sends it and what the calibration saw travel beyond it.'
complete -c violin -n '__violin_is predict:migration' -l dirty-rate -x -d 'How fast the guest dirties memory, MiB/s.'
complete -c violin -n '__violin_is predict:migration' -l bandwidth -x -d 'The link, MiB/s [default: as calibrated, else 119].'
complete -c violin -n '__violin_is predict:migration' -l mode -x -a 'live stop-and-copy' -d 'Live pre-copy, or pause, copy and resume.'
complete -c violin -n '__violin_is predict:migration' -l concurrent -x -d 'Migrations sharing the link at once.'
complete -c violin -n '__violin_is predict:migration' -l help -d 'Show help for command'
complete -c violin -n '__violin_is predict:vacate' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is predict:vacate' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is predict:vacate' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is predict:vacate' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is predict:vacate' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is predict:vacate' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is predict:vacate' -l strategy -x -a 'sequential parallel auto' -d 'One after another, several at once, or whichever meets --by.'
complete -c violin -n '__violin_is predict:vacate' -l max-parallel -x -d 'Migrations at once for the parallel strategy.'
complete -c violin -n '__violin_is predict:vacate' -l by -x -d 'The reservation: when the hosts must be free (ISO time).'
complete -c violin -n '__violin_is predict:vacate' -l interval -x -d 'Seconds to measure the hosts over before planning, as vacate does (counted in the total).'
complete -c violin -n '__violin_is predict:vacate' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg predict:vacate 1+' -a '(__violin_names host)'
complete -c violin -n '__violin_is reboot' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is reboot' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is reboot' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is reboot' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is reboot' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is reboot' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg reboot 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is resume' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is resume' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is resume' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is resume' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is resume' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is resume' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg resume 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is rule:add:affinity' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is rule:add:affinity' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is rule:add:affinity' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is rule:add:affinity' -l force -d 'Take VMs the inventory does not know (not created yet, or not recorded by violin host sync --write).'
complete -c violin -n '__violin_is rule:add:affinity' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg rule:add:affinity 2+' -a '(__violin_names vm)'
complete -c violin -n '__violin_is rule:add:anti-affinity' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is rule:add:anti-affinity' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is rule:add:anti-affinity' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is rule:add:anti-affinity' -l force -d 'Take VMs the inventory does not know (not created yet, or not recorded by violin host sync --write).'
complete -c violin -n '__violin_is rule:add:anti-affinity' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg rule:add:anti-affinity 2+' -a '(__violin_names vm)'
complete -c violin -n '__violin_is rule:add:exclude' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is rule:add:exclude' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is rule:add:exclude' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is rule:add:exclude' -l name -x -d 'The rule\'s name (default: exclude-VM, with one VM only); letters, digits, . _ -.'
complete -c violin -n '__violin_is rule:add:exclude' -l force -d 'Take VMs the inventory does not know (not created yet, or not recorded by violin host sync --write).'
complete -c violin -n '__violin_is rule:add:exclude' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg rule:add:exclude 1+' -a '(__violin_names vm)'
complete -c violin -n '__violin_is rule:add:pin' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is rule:add:pin' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is rule:add:pin' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is rule:add:pin' -l host -x -a '(__violin_names host)' -d 'The one host the VM may run on.'
complete -c violin -n '__violin_is rule:add:pin' -l site -x -a '(__violin_names site)' -d 'The site whose hosts the VM may run on.'
complete -c violin -n '__violin_is rule:add:pin' -l name -x -d 'The rule\'s name (default: pin-VM); letters, digits, . _ -.'
complete -c violin -n '__violin_is rule:add:pin' -l force -d 'Take VMs the inventory does not know (not created yet, or not recorded by violin host sync --write).'
complete -c violin -n '__violin_is rule:add:pin' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg rule:add:pin 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is rule:list' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is rule:list' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is rule:list' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is rule:list' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is rule:list' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is rule:list' -l help -d 'Show help for command'
complete -c violin -n '__violin_is rule:rm' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is rule:rm' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is rule:rm' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is rule:rm' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg rule:rm 1+' -a '(__violin_names rule)'
complete -c violin -n '__violin_is schedinfo' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is schedinfo' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is schedinfo' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is schedinfo' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is schedinfo' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is schedinfo' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is schedinfo' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is schedinfo' -l set -x -d 'weight=N or cap=N (repeatable).'
complete -c violin -n '__violin_is schedinfo' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg schedinfo 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is schema' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is schema' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is schema' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is schema' -l help -d 'Show help for command'
complete -c violin -n '__violin_is setmem' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is setmem' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is setmem' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is setmem' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is setmem' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is setmem' -l live -d 'Change the running VM.'
complete -c violin -n '__violin_is setmem' -l config -d 'Change the persistent config (next boot).'
complete -c violin -n '__violin_is setmem' -l wait -x -d 'Watch the guest\'s balloon this many seconds after a live change (0: do not).'
complete -c violin -n '__violin_is setmem' -l force -d 'Go below what the guest uses, or below 64 MiB.'
complete -c violin -n '__violin_is setmem' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg setmem 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is shutdown' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is shutdown' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is shutdown' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is shutdown' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is shutdown' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is shutdown' -l wait -d 'Wait until the VM is off.'
complete -c violin -n '__violin_is shutdown' -l timeout -x -d 'With --wait, give up after this many seconds (default 60).'
complete -c violin -n '__violin_is shutdown' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg shutdown 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is simulate' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is simulate' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is simulate' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is simulate' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is simulate' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is simulate' -l policy -x -a 'violin idc sandpiper none' -d 'The policy to run.'
complete -c violin -n '__violin_is simulate' -l compare -x -d 'Run these policies, comma-separated (e.g. none,violin,idc,sandpiper).'
complete -c violin -n '__violin_is simulate' -l plot -r -F -d 'Write a bar chart of the run times to this SVG file.'
complete -c violin -n '__violin_is simulate' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg simulate 1' -F
complete -c violin -n '__violin_is start' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is start' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is start' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is start' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is start' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is start' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg start 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is store:copy' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is store:copy' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is store:copy' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is store:copy' -l to -x -d 'The target store: file:///DIR, etcd://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/PREFIX or etcds://... (TLS).'
complete -c violin -n '__violin_is store:copy' -l force -d 'Replace what the target already holds (its documents and logs; its samples and locks are left).'
complete -c violin -n '__violin_is store:copy' -l help -d 'Show help for command'
complete -c violin -n '__violin_is store:status' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is store:status' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is store:status' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is store:status' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is store:status' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is store:status' -l help -d 'Show help for command'
complete -c violin -n '__violin_is suspend' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is suspend' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is suspend' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is suspend' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is suspend' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is suspend' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg suspend 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is switch:fdb' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is switch:fdb' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is switch:fdb' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is switch:fdb' -s H -l host -x -a '(__violin_names host)' -d 'Only this host (repeat for several).'
complete -c violin -n '__violin_is switch:fdb' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is switch:fdb' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is switch:fdb' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg switch:fdb 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is switch:start' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is switch:start' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is switch:start' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is switch:start' -l dataplane -x -a 'vxlan udp' -d 'vxlan: the kernel\'s bridge + VXLAN device; udp: the hosts\' agents (userspace switches). Default: the environment\'s own, else vxlan.'
complete -c violin -n '__violin_is switch:start' -l auth-data -d 'udp only: sign every data frame with the environment key (HMAC-SHA256, 16 bytes per frame).'
complete -c violin -n '__violin_is switch:start' -l underlay-mtu -x -d 'The MTU every host\'s underlay (and the path between them) carries; VMs get 50 bytes less (default 1500: VM MTU 1450).'
complete -c violin -n '__violin_is switch:start' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg switch:start 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is switch:status' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is switch:status' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is switch:status' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is switch:status' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is switch:status' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is switch:status' -l ports -d 'One row per port: frames and bytes in and out (udp data plane).'
complete -c violin -n '__violin_is switch:status' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg switch:status 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is switch:stop' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is switch:stop' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is switch:stop' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is switch:stop' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg switch:stop 1' -a '(__violin_names env)'
complete -c violin -n '__violin_is top' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is top' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is top' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is top' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is top' -s H -l host -x -a '(__violin_names host)' -d 'Only this host (repeat for several).'
complete -c violin -n '__violin_is top' -s s -l site -x -a '(__violin_names site)' -d 'Only the hosts of this site.'
complete -c violin -n '__violin_is top' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is top' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is top' -s i -l interval -x -d 'Seconds between readings: from 0.1 to 86400, a fraction allowed (without a terminal, rounded up to whole seconds).'
complete -c violin -n '__violin_is top' -l sort -x -a 'cpu memory network' -d 'Sort the VMs by this key first (c, m, n switch it).'
complete -c violin -n '__violin_is top' -l count -x -d 'Stop after this many readings (on a terminal too).'
complete -c violin -n '__violin_is top' -l help -d 'Show help for command'
complete -c violin -n '__violin_is undefine' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is undefine' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is undefine' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is undefine' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is undefine' -s H -l host -x -a '(__violin_names host)' -d 'The host the VM is on (when the name alone is ambiguous).'
complete -c violin -n '__violin_is undefine' -l remove-files -d 'Remove violin\'s own files of the VM too (private disk, console log).'
complete -c violin -n '__violin_is undefine' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg undefine 1' -a '(__violin_names vm)'
complete -c violin -n '__violin_is usage' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is usage' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is usage' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is usage' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is usage' -s H -l host -x -a '(__violin_names host)' -d 'Only this host (repeat for several).'
complete -c violin -n '__violin_is usage' -s s -l site -x -a '(__violin_names site)' -d 'Only the hosts of this site.'
complete -c violin -n '__violin_is usage' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is usage' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is usage' -s i -l interval -x -d 'Seconds between the two samples.'
complete -c violin -n '__violin_is usage' -s w -l watch -d 'Keep polling every interval until SIGINT or SIGTERM (then exit 0; a second signal forces). With --json, one JSON object a line per reading (JSON Lines).'
complete -c violin -n '__violin_is usage' -l count -x -d 'With --watch: stop after this many readings.'
complete -c violin -n '__violin_is usage' -l traffic -d 'Show the traffic between VMs instead: bytes and frames per (source, destination) pair, counted by the environments\' switches (the udp data plane\'s agents; on the kernel data plane, nftables on each host, set up with the bridge). Each frame is counted once, on the host where it entered the mesh; remote means it crossed to another host.'
complete -c violin -n '__violin_is usage' -l hosts -d 'Only the hosts\' table (table and csv).'
complete -c violin -n '__violin_is usage' -l vms -d 'Only the VMs\' table (table; csv prints it by default).'
complete -c violin -n '__violin_is usage' -l env -x -a '(__violin_names env)' -d 'With --traffic: only this environment (repeatable; default: every one whose switch runs).'
complete -c violin -n '__violin_is usage' -l help -d 'Show help for command'
complete -c violin -n '__violin_is vacate' -l json -d 'Format output as json.'
complete -c violin -n '__violin_is vacate' -s c -l connect -x -d 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.'
complete -c violin -n '__violin_is vacate' -s q -l quiet -d 'Print only results and errors (for cron).'
complete -c violin -n '__violin_is vacate' -l accept-new-host-key -d 'Record an SSH host key not yet in known_hosts (OpenSSH\'s accept-new); a changed key is always refused.'
complete -c violin -n '__violin_is vacate' -l format -x -a 'table csv json yaml' -d 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.'
complete -c violin -n '__violin_is vacate' -l no-header -d 'Leave out the header row (table and csv).'
complete -c violin -n '__violin_is vacate' -s n -l dry-run -d 'Print the plan; move nothing, drain nothing.'
complete -c violin -n '__violin_is vacate' -l max-parallel -x -d 'Live migrations at once.'
complete -c violin -n '__violin_is vacate' -l interval -x -d 'Seconds to measure CPU demand over before planning.'
complete -c violin -n '__violin_is vacate' -l help -d 'Show help for command'
complete -c violin -n '__violin_arg vacate 1+' -a '(__violin_names host)'
